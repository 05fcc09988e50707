package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/proxy"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/servetest"
)

// okUpstream answers {} to every call until the test ends.
func okUpstream(t *testing.T) *httptest.Server {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) }))
	t.Cleanup(up.Close)
	return up
}

// writeConfig writes yaml, with UPSTREAM replaced by upstream, to a config
// file in a new temporary directory and returns its path.
func writeConfig(t *testing.T, yaml, upstream string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "poolguard.yaml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(yaml, "UPSTREAM", upstream)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// testProxy is a proxy built from a config file as serve builds it, served
// on an httptest server until the test ends.
type testProxy struct {
	URL     string
	Handler *proxy.Handler
	Config  *config.Config
}

// serveFile loads the config at path, builds the proxy on deps (a nil
// Store is a new in-memory store) and serves it; obs may be nil.
func serveFile(t *testing.T, path string, deps Deps, obs observe.Observer) *testProxy {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if deps.Store == nil {
		deps.Store = ratelimit.NewMemory()
	}
	st, err := BuildState(context.Background(), cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	up := proxy.NewUpstream(cfg.Upstream.Endpoint.Ptr(), cfg.Upstream.Timeout, 16)
	t.Cleanup(up.Close)
	h := proxy.New(st, up, slog.New(slog.DiscardHandler), obs)
	srv := servetest.Serve(t, h)
	return &testProxy{URL: srv.URL, Handler: h, Config: cfg}
}
