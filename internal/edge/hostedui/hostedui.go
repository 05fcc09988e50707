// Package hostedui reverse-proxies a user pool domain: Cognito's managed
// login pages (the Hosted UI: /login, /signup, /forgotPassword, ...) and its
// OAuth 2.0 endpoints (/oauth2/authorize, /oauth2/token, /oauth2/revoke,
// /oauth2/userInfo, /oauth2/idpresponse, ...).
//
// Every request is evaluated by the web ACL first; the cognito-categories
// preset already matches the Hosted UI paths by URI path, so they fall in
// the same action categories as the API operations. For app clients that
// opted in (Config.Secrets), token requests of the authorization code
// grant with a PKCE code_verifier or of the refresh token grant, and
// revocation requests, that carry no client authentication get HTTP Basic
// client authentication (client_secret_basic) added, so that a public
// single-page app using the authorization code flow with PKCE can use a
// confidential app client. Every other grant (client_credentials above
// all) is forwarded without it. Everything else, redirects
// and cookies included, passes through untouched, except Location headers
// that point at the user pool domain, which are rewritten to the proxy's
// public URL when one is configured.
package hostedui

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/edge/challenge"
	"github.com/poolguard/poolguard/internal/edge/clientip"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/rules/signals"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// DefaultMaxBodyBytes bounds request bodies when Config.MaxBodyBytes is zero.
// Hosted UI forms and token requests are small.
const DefaultMaxBodyBytes = 64 << 10

// Firewall decides requests; *waf.Engine satisfies it.
type Firewall interface {
	Evaluate(ctx context.Context, now time.Time, v *request.View, out *waf.Verdict) error
}

// ClientIPResolver finds a request's client address from its TCP peer and
// X-Forwarded-For; *clientip.Resolver satisfies it.
type ClientIPResolver interface {
	ClientIP(peer netip.Addr, xff []string) netip.Addr
}

// Config configures a Handler.
type Config struct {
	// Upstream is the user pool domain, e.g.
	// https://example.auth.us-east-1.amazoncognito.com (or a custom domain).
	// Only its scheme and host are used.
	Upstream *url.URL
	// PublicURL is the proxy's own public base URL, e.g.
	// https://login.example.com. Location headers that point at Upstream
	// are rewritten to it. Nil leaves them untouched.
	PublicURL *url.URL
	// Secrets maps the app client ids that opted in to client
	// authentication by the proxy to their client secrets. Their token
	// requests (authorization_code with a PKCE code_verifier, and
	// refresh_token; never client_credentials) and revocation requests
	// that carry no client authentication get client_secret_basic added.
	Secrets map[string][]byte
	// Firewall is the web ACL; nil allows every request.
	Firewall Firewall
	// ClientIP resolves client addresses; nil takes the TCP peer.
	ClientIP ClientIPResolver
	// MaxBodyBytes bounds request bodies; DefaultMaxBodyBytes when zero.
	MaxBodyBytes int64
	// Transport sends requests upstream; http.DefaultTransport when nil.
	Transport http.RoundTripper
	// Log receives blocks and upstream failures; slog.Default() when nil.
	Log *slog.Logger
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// Observer receives every finished request (the WAF log, metrics);
	// nil reports nothing.
	Observer observe.Observer
	// Signals labels requests before the web ACL sees them; nil adds none.
	Signals *signals.Signals
	// Challenge serves the CAPTCHA/Challenge interstitial and its
	// endpoints under challenge.Prefix; nil answers those actions with
	// 405/202 only.
	Challenge *challenge.Service
}

// Handler is the Hosted UI reverse proxy. It is immutable after New and
// safe for concurrent use.
type Handler struct {
	cfg   Config
	proxy *httputil.ReverseProxy
	log   *slog.Logger
	now   func() time.Time
}

// New returns a Handler for cfg, or an error if cfg.Upstream or
// cfg.PublicURL is not an absolute http(s) URL.
func New(cfg Config) (*Handler, error) {
	if err := checkBase("upstream", cfg.Upstream); err != nil {
		return nil, err
	}
	if cfg.PublicURL != nil {
		if err := checkBase("public URL", cfg.PublicURL); err != nil {
			return nil, err
		}
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	h := &Handler{cfg: cfg, log: cfg.Log, now: cfg.Now}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	target := &url.URL{Scheme: cfg.Upstream.Scheme, Host: cfg.Upstream.Host}
	h.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target) // also sets Host to the user pool domain
		},
		Transport:      cfg.Transport,
		ModifyResponse: h.rewriteLocation,
		ErrorHandler:   h.upstreamFailed,
	}
	return h, nil
}

func checkBase(what string, u *url.URL) error {
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("hostedui: the %s must be an absolute http(s) URL, got %v", what, u)
	}
	return nil
}

// ServeHTTP evaluates the request with the web ACL, adds client
// authentication where configured, and forwards it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c := h.cfg.Challenge; c != nil && c.Owns(r.URL.Path) {
		c.ServeHTTP(w, r)
		return
	}
	now := h.now()
	sw := &statusWriter{ResponseWriter: w}
	body, err := readBody(r, h.cfg.MaxBodyBytes)
	v := h.view(r, body)
	out := observe.Outcome{Start: now, View: v}
	defer h.report(&out, sw, now)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			plain(sw, http.StatusRequestEntityTooLarge, "Request body too large.")
			return
		}
		plain(sw, http.StatusBadRequest, "Could not read the request body.")
		return
	}
	h.cfg.Signals.Annotate(v)
	if h.firewall(sw, r, v, now, &out) {
		return
	}
	if r.Method == http.MethodPost && isClientAuthPath(r.URL.Path) {
		addClientAuth(r.URL.Path, r.URL.RawQuery, r.Header, body, h.cfg.Secrets)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if len(body) == 0 && r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		r.Body = http.NoBody
	}
	r.TransferEncoding = nil
	out.Forwarded = true
	h.proxy.ServeHTTP(sw, r)
}

// firewall runs the web ACL and answers a request it does not allow; it
// reports whether the request was answered.
func (h *Handler) firewall(w http.ResponseWriter, r *http.Request, v *request.View, now time.Time, out *observe.Outcome) bool {
	for k := range r.Header {
		if strings.HasPrefix(k, "X-Amzn-Waf-") {
			delete(r.Header, k) // only the web ACL may set these
		}
	}
	if h.cfg.Firewall == nil {
		return false
	}
	vd := new(waf.Verdict)
	if err := h.cfg.Firewall.Evaluate(r.Context(), now, v, vd); err != nil {
		// The rate store could not decide (fail_closed): refuse, as the
		// API proxy does.
		out.StoreError = true
		h.log.Warn("hosted UI: web ACL evaluation failed; request refused", "request_id", v.RequestID, "err", err)
		plain(w, http.StatusServiceUnavailable, "Service temporarily unavailable; try again.")
		return true
	}
	out.Verdict = vd
	if vd.Action == waf.ActionAllow {
		for _, f := range vd.InsertHeaders {
			r.Header.Set(f.Name, f.Value)
		}
		out.InsertedHeaders = vd.InsertHeaders
		return false
	}
	h.log.Info("hosted UI: request refused by the web ACL", "request_id", v.RequestID, "action", string(vd.Action),
		"rule", vd.TerminatingRuleID, "path", r.URL.Path, "client_ip", v.ClientIP.String())
	if c := h.cfg.Challenge; c == nil || (vd.Action != waf.ActionCaptcha && vd.Action != waf.ActionChallenge) || !c.Respond(w, r, vd.Action) {
		refuse(w, vd, v.RequestID)
	}
	return true
}

// report hands the finished request to the observer (WAF log, metrics).
func (h *Handler) report(out *observe.Outcome, sw *statusWriter, start time.Time) {
	if h.cfg.Observer == nil {
		return
	}
	out.Status = sw.status
	if out.Forwarded {
		out.UpstreamStatus = sw.status
	}
	out.Duration = h.now().Sub(start)
	h.cfg.Observer.Observe(out)
}

// statusWriter remembers the status sent to the client.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records and sends the status.
func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write sends body bytes (status 200 unless set).
func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushes).
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// view builds the web ACL's view of r.
func (h *Handler) view(r *http.Request, body []byte) *request.View {
	peer, _ := netip.ParseAddrPort(r.RemoteAddr)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	v := &request.View{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Proto: r.Proto,
		Host: r.Host, Scheme: scheme, Header: r.Header, Body: body,
		PeerIP: clientip.Canonical(peer.Addr()), ClientIP: clientip.Canonical(peer.Addr()),
		Country: "XX", RequestID: newRequestID(),
	}
	if h.cfg.ClientIP != nil {
		v.ClientIP = h.cfg.ClientIP.ClientIP(peer.Addr(), r.Header["X-Forwarded-For"])
	}
	// The app client, for the x-amzn-cognito-client-id pseudo-header: from
	// the query (/oauth2/authorize, /login) or the form (/oauth2/token).
	v.ClientID = r.URL.Query().Get("client_id")
	if v.ClientID == "" && isForm(r.Header) {
		if f, err := url.ParseQuery(string(body)); err == nil {
			v.ClientID = f.Get("client_id")
		}
	}
	return v
}

// readBody reads r's body, at most limit bytes.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	defer r.Body.Close()
	return io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
}

// rewriteLocation points a redirect to the user pool domain at the proxy.
func (h *Handler) rewriteLocation(resp *http.Response) error {
	if h.cfg.PublicURL == nil {
		return nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil
	}
	if out, ok := RewriteLocation(loc, h.cfg.Upstream, h.cfg.PublicURL); ok {
		resp.Header.Set("Location", out)
	}
	return nil
}

// RewriteLocation returns loc with its scheme and host replaced by
// public's, and public's path prefixed, when loc is an absolute URL on
// upstream's host (case-insensitively, default ports ignored); it reports
// whether it changed loc. Relative locations and other hosts (such as the
// app's redirect_uri) are left alone.
func RewriteLocation(loc string, upstream, public *url.URL) (string, bool) {
	u, err := url.Parse(loc)
	if err != nil || !u.IsAbs() || !sameOrigin(u, upstream) {
		return loc, false
	}
	u.Scheme, u.Host = public.Scheme, public.Host
	if p := strings.TrimSuffix(public.Path, "/"); p != "" {
		u.Path = p + u.Path
		if u.RawPath != "" {
			u.RawPath = strings.TrimSuffix(public.EscapedPath(), "/") + u.RawPath
		}
	}
	return u.String(), true
}

// sameOrigin reports whether a and b have the same scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) &&
		port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

// upstreamFailed answers a request the user pool domain did not answer.
func (h *Handler) upstreamFailed(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Warn("hosted UI: upstream request failed", "path", r.URL.Path, "err", err)
	status := http.StatusBadGateway
	if errors.Is(err, context.DeadlineExceeded) {
		status = http.StatusGatewayTimeout
	}
	plain(w, status, http.StatusText(status)+".")
}

// newRequestID returns a random request id in Cognito's format (a UUID).
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b[:])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
