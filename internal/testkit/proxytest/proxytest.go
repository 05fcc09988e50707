// Package proxytest serves poolguard in-process for other packages' tests,
// built as `poolguard serve` builds it: a config file loaded with
// config.Load, the state and upstream from the server package, and either
// an httptest server (Serve) or the real listeners and lifecycle of
// server.Serve (Run).
package proxytest

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/proxy"
	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/servetest"
)

// ReadyTimeout bounds every readiness poll.
const ReadyTimeout = 10 * time.Second

// Load writes yaml to poolguard.yaml in dir (a new temporary directory when
// dir is empty, so that relative paths in yaml resolve there) and loads it,
// failing the test on any problem.
func Load(t testing.TB, dir, yaml string) *config.Config {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, "poolguard.yaml")
	WriteFile(t, path, yaml)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config.Load:\n%v\nconfig:\n%s", err, yaml)
	}
	if cfg.TLS == nil && !strings.Contains(yaml, "http_server:") {
		cfg.HTTPServer = servetest.Kind() // the run's choice, unless the test made its own
	}
	return cfg
}

// build returns cfg's state and upstream; a nil deps.Store is a new
// in-memory store.
func build(t testing.TB, cfg *config.Config, deps server.Deps) (*proxy.State, *proxy.Upstream) {
	t.Helper()
	if deps.Store == nil {
		deps.Store = ratelimit.NewMemory()
	}
	st, err := server.BuildState(context.Background(), cfg, deps)
	if err != nil {
		t.Fatalf("server.BuildState: %v", err)
	}
	up := server.BuildUpstream(cfg)
	t.Cleanup(up.Close)
	return st, up
}

// Serve serves cfg's proxy on a loopback listener until the test ends,
// with the HTTP server the run selects (package servetest). log may be nil
// (discarded); obs may be nil.
func Serve(t testing.TB, cfg *config.Config, deps server.Deps, log *slog.Logger, obs observe.Observer) (*servetest.Server, *proxy.Handler) {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st, up := build(t, cfg, deps)
	h := proxy.New(st, up, log, obs)
	return servetest.Serve(t, h), h
}

// Running is a proxy served by server.Serve on real loopback listeners.
type Running struct {
	// URL is the public endpoint, without a trailing slash.
	URL string
	// AdminURL is the admin endpoint (/healthz).
	AdminURL string
	// Config is the loaded configuration.
	Config *config.Config
	// Logs holds everything the proxy logged (debug level, JSON).
	Logs *SyncBuffer
}

// RunOptions adjust Run.
type RunOptions struct {
	// Deps are the long-lived parts; a nil Store is a new in-memory store.
	Deps server.Deps
	// Wrap, if set, wraps the proxy's handler (to record what it answers).
	Wrap func(http.Handler) http.Handler
	// AfterStop, if set, runs once the server has stopped, with the log.
	AfterStop func(log string)
}

// Run serves cfg's proxy with server.Serve on fresh loopback listeners and
// waits (bounded) until /healthz answers 200. When the test ends it
// cancels the serve context, which drains and stops the server, checks that
// Serve returned, then calls o.AfterStop.
func Run(t testing.TB, cfg *config.Config, o RunOptions) *Running {
	t.Helper()
	st, up := build(t, cfg, o.Deps)
	logs := &SyncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var h http.Handler = proxy.New(st, up, log, nil)
	if o.Wrap != nil {
		h = o.Wrap(h)
	}
	srv := server.New(cfg, h, log)
	public, admin := Listen(t), Listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, public, admin) }()
	r := &Running{URL: "http://" + public.Addr().String(), AdminURL: "http://" + admin.Addr().String(), Config: cfg, Logs: logs}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(cfg.Limits.ShutdownTimeout + ReadyTimeout):
			t.Errorf("Serve did not return after its context was cancelled")
		}
		if o.AfterStop != nil {
			o.AfterStop(logs.String())
		}
	})
	if err := WaitOK(r.AdminURL+"/healthz", done); err != nil {
		t.Fatal(err)
	}
	return r
}
