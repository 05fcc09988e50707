package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
)

// Test data shared by every flow. The passwords satisfy moto's default
// password policy.
const (
	appSecret   = "e2e-app-client-secret-0123456789abcdef"
	password    = "Passw0rd!e2e-first"
	newPassword = "Passw0rd!e2e-second"
	readyWait   = proxytest.ReadyTimeout
)

// stack is moto behind a StrictHop behind the proxy, with one user pool
// whose users sign in with their email and one app client that has no
// secret in moto; the hop holds appSecret for it, and so does the proxy.
type stack struct {
	moto  *cognitotest.Moto
	hop   *cognitotest.StrictHop
	pool  cognitotest.Pool
	app   cognitotest.AppClient
	proxy *runningProxy
	// direct is the hop behind a shim that answers CORS as Cognito does, so
	// that a browser app pointed straight at the hop gets Cognito's errors
	// rather than a CORS failure.
	direct string
}

// startStack starts everything a flow needs; it all stops when t ends.
func startStack(t *testing.T) *stack {
	t.Helper()
	m := cognitotest.StartMoto(t)
	admin := m.Client()
	pool := cognitotest.CreatePool(t, admin, cognitotest.PoolOptions{Name: "e2e", EmailUsernames: true})
	app := cognitotest.CreateAppClient(t, admin, pool.ID, cognitotest.ClientOptions{
		Name:           "e2e-spa",
		ReadAttributes: []string{"email", "email_verified"},
	})
	hop := cognitotest.StartStrictHop(t, m.URL, map[string]string{app.ID: appSecret})
	direct := &http.Server{Handler: cognitoCORS(hop), ReadHeaderTimeout: readyWait}
	l := proxytest.Listen(t)
	go func() { _ = direct.Serve(l) }()
	t.Cleanup(func() { _ = direct.Close() })
	s := &stack{moto: m, hop: hop, pool: pool, app: app, direct: "http://" + l.Addr().String()}
	s.proxy = startProxy(t, hop.URL, pool.ID, app.ID)
	return s
}

// hopCount returns how many calls of op the hop accepted (relayed or
// served) and refused since it started.
func (s *stack) hopCount(op string) (accepted, refused int) {
	for _, r := range s.hop.Requests() {
		if r.Operation != op {
			continue
		}
		if r.Refused == "" {
			accepted++
		} else {
			refused++
		}
	}
	return accepted, refused
}

// runningProxy is the whole proxy, built from a YAML file exactly as
// `poolguard serve` builds it, served in-process.
type runningProxy struct {
	// URL is the endpoint apps use, without a trailing slash.
	URL string
	// CORS records every preflight the proxy answered.
	CORS *preflightLog
}

// startProxy serves a proxy for one app client of poolID in front of
// upstream, with the cognito-categories preset as its web ACL.
func startProxy(t *testing.T, upstream, poolID, clientID string) *runningProxy {
	t.Helper()
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "client-secret")
	proxytest.WriteFile(t, secretFile, appSecret+"\n")
	yaml := fmt.Sprintf(`listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream:
  region: us-east-1
  endpoint: %s
clients:
  - client_id: %s
    user_pool_id: %s
    client_secret: file:%s
cors:
  allowed_origins: ["*"]
waf:
  name: e2e
  presets: [cognito-categories]
`, upstream, clientID, poolID, secretFile)
	pf := &preflightLog{}
	r := proxytest.Run(t, proxytest.Load(t, dir, yaml), proxytest.RunOptions{
		Wrap: pf.wrap,
		AfterStop: func(log string) {
			if strings.Contains(log, appSecret) {
				t.Errorf("the proxy logged the client secret:\n%s", log)
			}
		},
	})
	return &runningProxy{URL: r.URL, CORS: pf}
}

// preflight is one OPTIONS request the proxy answered.
type preflight struct {
	Origin, RequestHeaders string
	Status                 int
	AllowOrigin            string
	AllowHeaders           string
}

// preflightLog records preflights; it is safe for concurrent use.
type preflightLog struct {
	mu   sync.Mutex
	seen []preflight
}

// wrap returns next, recording every OPTIONS request and its answer.
func (p *preflightLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		p.mu.Lock()
		defer p.mu.Unlock()
		p.seen = append(p.seen, preflight{
			Origin: r.Header.Get("Origin"), RequestHeaders: r.Header.Get("Access-Control-Request-Headers"),
			Status: sw.status, AllowOrigin: w.Header().Get("Access-Control-Allow-Origin"),
			AllowHeaders: w.Header().Get("Access-Control-Allow-Headers"),
		})
	})
}

// All returns the preflights seen so far.
func (p *preflightLog) All() []preflight {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]preflight(nil), p.seen...)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// cognitoCORS answers CORS in front of h the way Cognito's endpoint does
// (moto echoes it too, but the hop's own refusals carry none).
func cognitoCORS(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Access-Control-Allow-Origin", "*")
		hdr.Set("Access-Control-Expose-Headers", "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date")
		if r.Method == http.MethodOptions {
			hdr.Set("Access-Control-Allow-Methods", "POST")
			hdr.Set("Access-Control-Allow-Headers", r.Header.Get("Access-Control-Request-Headers"))
			hdr.Set("Access-Control-Max-Age", "172800")
			w.WriteHeader(http.StatusOK)
			return
		}
		h.ServeHTTP(&corsKeeper{ResponseWriter: w}, r)
	})
}

// corsKeeper drops the CORS headers a wrapped handler sets, keeping the
// shim's.
type corsKeeper struct {
	http.ResponseWriter
	wrote bool
}

func (c *corsKeeper) WriteHeader(code int) {
	if !c.wrote {
		c.wrote = true
		h := c.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Del("Access-Control-Allow-Credentials")
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *corsKeeper) Write(p []byte) (int, error) {
	if !c.wrote {
		c.WriteHeader(http.StatusOK)
	}
	return c.ResponseWriter.Write(p)
}
