package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/cognitotest"
	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/proxy"
	"github.com/poolguard/poolguard/internal/ratelimit"
	"github.com/poolguard/poolguard/internal/server"
)

// Test data shared by every flow. The passwords satisfy moto's default
// password policy.
const (
	appSecret   = "e2e-app-client-secret-0123456789abcdef"
	password    = "Passw0rd!e2e-first"
	newPassword = "Passw0rd!e2e-second"
	readyWait   = 10 * time.Second
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
	l := listen(t)
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
	log  *syncBuffer
}

// startProxy serves a proxy for one app client of poolID in front of
// upstream, with the cognito-categories preset as its web ACL.
func startProxy(t *testing.T, upstream, poolID, clientID string) *runningProxy {
	t.Helper()
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "client-secret")
	writeFile(t, secretFile, appSecret+"\n")
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
	path := filepath.Join(dir, "poolguard.yaml")
	writeFile(t, path, yaml)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config.Load: %v\n%s", err, yaml)
	}
	st, err := server.BuildState(cfg, server.Deps{Store: ratelimit.NewMemory()})
	if err != nil {
		t.Fatalf("server.BuildState: %v", err)
	}
	up, err := server.BuildUpstream(cfg)
	if err != nil {
		t.Fatalf("server.BuildUpstream: %v", err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	pf := &preflightLog{}
	srv := server.New(cfg, pf.wrap(proxy.New(st, up, log, nil)), log)
	public, adminL := listen(t), listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, public, adminL) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(cfg.Limits.ShutdownTimeout + readyWait):
			t.Errorf("proxy did not stop after its context was cancelled")
		}
		up.Close()
		if out := logs.String(); strings.Contains(out, appSecret) {
			t.Errorf("the proxy logged the client secret:\n%s", out)
		}
	})
	if err := waitOK("http://"+adminL.Addr().String()+"/healthz", done); err != nil {
		t.Fatal(err)
	}
	return &runningProxy{URL: "http://" + public.Addr().String(), CORS: pf, log: logs}
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

// listen opens a listener on a free loopback port.
func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return l
}

// waitOK polls url until it answers 200, exited is readable, or readyWait
// passes.
func waitOK(url string, exited <-chan error) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.NewTimer(readyWait)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("server stopped before %s answered: %v", url, err)
		case <-deadline.C:
			return fmt.Errorf("%s not 200 after %v", url, readyWait)
		case <-tick.C:
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a strings.Builder safe for concurrent writes and reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
