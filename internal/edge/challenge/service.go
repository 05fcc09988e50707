package challenge

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/edge/clientip"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// Prefix is the reserved path under which the service answers on the
// public listener: the interstitial page (GET Prefix), a challenge for
// API clients (GET Prefix/new) and the solve endpoint (POST Prefix/verify).
const Prefix = "/.poolguard/challenge"

// Defaults.
const (
	// DefaultDifficulty is the proof-of-work difficulty in leading zero
	// bits: about 260,000 SHA-256 hashes on average, a fraction of a
	// second in a browser, real work for a bot farm.
	DefaultDifficulty = 18
	// MinKeyLen is the shortest token key accepted.
	MinKeyLen = 32
	// cookieMaxAge is the token cookie's lifetime: AWS's longest
	// immunity time; the web ACL decides whether the token still counts.
	cookieMaxAge = 259200
)

// Config configures a Service.
type Config struct {
	// Key signs tokens and puzzles; at least MinKeyLen bytes. Replicas
	// share it so that a token from one is accepted by all.
	Key []byte
	// Difficulty is the proof-of-work difficulty in bits; DefaultDifficulty
	// when zero.
	Difficulty int
	// Verifier is the CAPTCHA's human step; the built-in Puzzle when nil.
	Verifier Verifier
	// ClientIP returns a request's client address as the web ACL sees it;
	// the TCP peer when nil.
	ClientIP func(*http.Request) netip.Addr
	// Log receives verifier failures; slog.Default() when nil.
	Log *slog.Logger
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Service issues and checks tokens and serves the interstitial page. It
// is immutable after New and safe for concurrent use; it implements
// waf.Tokens.
type Service struct {
	cfg   Config
	spent spent
}

// New checks cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	if len(cfg.Key) < MinKeyLen {
		return nil, errors.New("challenge: the token key must be at least 32 bytes")
	}
	if cfg.Difficulty == 0 {
		cfg.Difficulty = DefaultDifficulty
	}
	if cfg.Difficulty < 1 || cfg.Difficulty > 32 {
		return nil, errors.New("challenge: difficulty must be 1 to 32 bits")
	}
	if cfg.Verifier == nil {
		cfg.Verifier = &Puzzle{Key: cfg.Key}
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = func(r *http.Request) netip.Addr {
			ap, _ := netip.ParseAddrPort(r.RemoteAddr)
			return clientip.Canonical(ap.Addr())
		}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg}, nil
}

// tokenOf returns the request's token: the x-aws-waf-token header, else
// the aws-waf-token cookie.
func tokenOf(h http.Header) string {
	if t := h.Get(HeaderName); t != "" {
		return t
	}
	for _, line := range h["Cookie"] {
		for line != "" {
			var kv string
			kv, line, _ = strings.Cut(line, ";")
			if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && k == CookieName {
				return v
			}
		}
	}
	return ""
}

// Solved implements waf.Tokens: it checks the token's signature and
// binding to the request's client range and User-Agent.
func (s *Service) Solved(v *request.View, kind waf.Action) (time.Time, waf.TokenStatus) {
	tok := tokenOf(v.Header)
	if tok == "" {
		return time.Time{}, waf.TokenMissing
	}
	c, ok := parse(s.cfg.Key, tok)
	if !ok || c.bind != binding(s.cfg.Key, v.ClientIP, v.Header.Get("User-Agent")) {
		return time.Time{}, waf.TokenInvalid
	}
	at := c.challengeAt
	if kind == waf.ActionCaptcha {
		at = c.captchaAt
	}
	if at == 0 {
		return time.Time{}, waf.TokenMissing
	}
	return unixOrZero(at), waf.TokenValid
}

// Owns reports whether path is under Prefix.
func (s *Service) Owns(path string) bool {
	return path == Prefix || strings.HasPrefix(path, Prefix+"/")
}

// ServeHTTP answers the reserved paths.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == Prefix && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		kind := waf.ActionChallenge
		if r.URL.Query().Get("kind") == "captcha" {
			kind = waf.ActionCaptcha
		}
		s.page(w, r, kind, http.StatusOK, safeReturn(r.URL.Query().Get("return")))
	case r.URL.Path == Prefix+"/new" && r.Method == http.MethodGet:
		p := s.newPuzzle(r, 'h')
		writeJSON(w, http.StatusOK, map[string]any{"puzzle": p.text(s.cfg.Key), "bits": p.bits, "verify": Prefix + "/verify"})
	case r.URL.Path == Prefix+"/verify" && r.Method == http.MethodPost:
		s.verify(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
	}
}

// Respond answers a request that a CAPTCHA or Challenge action stopped,
// when the client is a browser (Accept: text/html): the interstitial page
// with AWS's status (405 CAPTCHA, 202 Challenge) and x-amzn-waf-action
// header. It reports false, writing nothing, for other clients, which the
// caller answers in its own shape.
func (s *Service) Respond(w http.ResponseWriter, r *http.Request, kind waf.Action) bool {
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		return false
	}
	status := http.StatusAccepted
	if kind == waf.ActionCaptcha {
		status = http.StatusMethodNotAllowed
	}
	ret := r.URL.Path
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		ret += "?" + r.URL.RawQuery
	}
	s.page(w, r, kind, status, safeReturn(ret))
	return true
}

// ActionHeader returns the x-amzn-waf-action value for kind.
func ActionHeader(kind waf.Action) string {
	if kind == waf.ActionCaptcha {
		return "captcha"
	}
	return "challenge"
}

func (s *Service) newPuzzle(r *http.Request, kind byte) *puzzle {
	p := &puzzle{kind: kind, issuedAt: s.cfg.Now().Unix(), bits: s.cfg.Difficulty,
		bind: binding(s.cfg.Key, s.cfg.ClientIP(r), r.Header.Get("User-Agent"))}
	_, _ = rand.Read(p.nonce[:])
	return p
}

// verifyRequest is the solve endpoint's JSON body.
type verifyRequest struct {
	Puzzle   string `json:"puzzle"`
	Counter  string `json:"counter"`
	State    string `json:"state"`
	Response string `json:"response"`
}

func (s *Service) verify(w http.ResponseWriter, r *http.Request) {
	var in verifyRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 16<<10)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad request"})
		return
	}
	now := s.cfg.Now()
	ip, ua := s.cfg.ClientIP(r), r.Header.Get("User-Agent")
	bind := binding(s.cfg.Key, ip, ua)
	p, ok := parsePuzzle(s.cfg.Key, in.Puzzle)
	switch {
	case !ok:
		s.refuse(w, "invalid puzzle")
		return
	case now.Unix() > p.issuedAt+int64(puzzleTTL/time.Second) || p.issuedAt > now.Unix()+60:
		s.refuse(w, "puzzle expired")
		return
	case p.bind != bind:
		s.refuse(w, "puzzle issued to another client")
		return
	case !solved(in.Puzzle, in.Counter, p.bits):
		s.refuse(w, "wrong proof of work")
		return
	case !s.spent.use(p.nonce, now.Unix(), p.issuedAt+int64(puzzleTTL/time.Second)):
		s.refuse(w, "puzzle already used")
		return
	}
	c := &claims{bind: bind, challengeAt: now.Unix()}
	if old, ok := parse(s.cfg.Key, tokenOf(r.Header)); ok && old.bind == bind {
		c.captchaAt = old.captchaAt // a challenge solve keeps an earlier CAPTCHA solve
	}
	if p.kind == 'c' {
		ok, err := s.cfg.Verifier.Verify(r.Context(), p.nonce[:], in.State, in.Response, ip.String())
		if err != nil {
			s.cfg.Log.Warn("CAPTCHA verifier failed", "err", err)
		}
		if !ok {
			s.refuse(w, "wrong CAPTCHA answer")
			return
		}
		c.captchaAt = now.Unix()
	}
	_, _ = rand.Read(c.nonce[:])
	tok := sign(s.cfg.Key, c)
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: tok, Path: "/", MaxAge: cookieMaxAge,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	writeJSON(w, http.StatusOK, map[string]string{"token": tok})
}

func (s *Service) refuse(w http.ResponseWriter, reason string) {
	writeJSON(w, http.StatusForbidden, map[string]string{"error": reason})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// safeReturn keeps a return path on this origin.
func safeReturn(p string) string {
	if !strings.HasPrefix(p, "/") || strings.ContainsRune(p, '\\') {
		return "/"
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f {
			return "/" // browsers drop tabs and newlines: "/\t/evil" becomes "//evil"
		}
	}
	if u, err := url.Parse(p); err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(p, "//") {
		return "/"
	}
	return p
}
