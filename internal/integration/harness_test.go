package integration

import (
	"bytes"
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

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/proxy"
	"github.com/poolguard/poolguard/internal/ratelimit"
	"github.com/poolguard/poolguard/internal/server"
)

// readyTimeout bounds every readiness poll in this package.
const readyTimeout = 10 * time.Second

// clientConfig is one entry of the proxy's clients list.
type clientConfig struct {
	ID      string
	PoolID  string
	Secret  string // written to a file and referenced as file:PATH
	Refresh string // empty for the default (get_tokens)
	// PropagateIP sets propagate_ip.
	PropagateIP bool
}

// proxyConfig is what a test varies in the proxy's YAML config.
type proxyConfig struct {
	// Listen and AdminListen are the listen addresses; 127.0.0.1:0 when
	// empty (the in-process harness ignores them and passes its own
	// listeners to Serve).
	Listen, AdminListen string
	// Upstream is upstream.endpoint.
	Upstream string
	// Timeout is upstream.timeout; the default when zero.
	Timeout time.Duration
	// Clients are the served app clients.
	Clients []clientConfig
	// Extra is appended verbatim to the YAML (top-level keys).
	Extra string
}

// yaml renders c as a config file, writing each client's secret to a file
// in dir.
func (c proxyConfig) yaml(t testing.TB, dir string) []byte {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %s\nadmin_listen: %s\n", orDefault(c.Listen, "127.0.0.1:0"), orDefault(c.AdminListen, "127.0.0.1:0"))
	fmt.Fprintf(&b, "upstream:\n  region: us-east-1\n  endpoint: %s\n", c.Upstream)
	if c.Timeout > 0 {
		fmt.Fprintf(&b, "  timeout: %s\n", c.Timeout)
	}
	b.WriteString("clients:\n")
	for i, cl := range c.Clients {
		fmt.Fprintf(&b, "  - client_id: %s\n", cl.ID)
		if cl.PoolID != "" {
			fmt.Fprintf(&b, "    user_pool_id: %s\n", cl.PoolID)
		}
		if cl.Secret != "" {
			path := filepath.Join(dir, fmt.Sprintf("secret-%d", i))
			writeFile(t, path, cl.Secret+"\n")
			fmt.Fprintf(&b, "    client_secret: file:%s\n", path)
		}
		if cl.Refresh != "" {
			fmt.Fprintf(&b, "    refresh: %s\n", cl.Refresh)
		}
		if cl.PropagateIP {
			b.WriteString("    propagate_ip: true\n")
		}
	}
	b.WriteString(c.Extra)
	return []byte(b.String())
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// runningProxy is a whole poolguard proxy served in-process.
type runningProxy struct {
	// URL is the public endpoint apps use, without a trailing slash.
	URL string
	// AdminURL is the admin endpoint (/healthz).
	AdminURL string
	// Config is the loaded configuration.
	Config *config.Config
	// log collects the proxy's log lines.
	log *syncBuffer
}

// Log returns what the proxy has logged so far.
func (p *runningProxy) Log() string { return p.log.String() }

// startProxy writes c to a config file, loads it with config.Load, builds
// the state and upstream with the server package, serves on fresh loopback
// listeners and waits (bounded) until /healthz answers 200. When the test
// ends it cancels the serve context, which drains and stops the server, and
// checks that nothing secret (each client's secret, any JWT, and any string
// in forbidden) was logged.
func startProxy(t testing.TB, c proxyConfig, forbidden ...string) *runningProxy {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "poolguard.yaml")
	data := c.yaml(t, dir)
	writeFile(t, path, string(data))
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config.Load:\n%v\nconfig:\n%s", err, data)
	}
	st, err := server.BuildState(cfg, server.Deps{Store: ratelimit.NewMemory()})
	if err != nil {
		t.Fatalf("server.BuildState: %v", err)
	}
	up, err := server.BuildUpstream(cfg)
	if err != nil {
		t.Fatalf("server.BuildUpstream: %v", err)
	}
	public, admin := listen(t), listen(t)
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := server.New(cfg, proxy.New(st, up, log, nil), log)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, public, admin) }()
	p := &runningProxy{
		URL:      "http://" + public.Addr().String(),
		AdminURL: "http://" + admin.Addr().String(),
		Config:   cfg,
		log:      logs,
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(cfg.Limits.ShutdownTimeout + readyTimeout):
			t.Errorf("Serve did not return after its context was cancelled")
		}
		up.Close()
		secrets := append([]string(nil), forbidden...)
		for _, cl := range c.Clients {
			secrets = append(secrets, cl.Secret)
		}
		checkNoSecrets(t, "proxy log", logs.String(), secrets...)
		// Every JWT (ID and access tokens) starts with a base64 '{"'.
		checkNoSecrets(t, "proxy log", logs.String(), "eyJ")
	})
	if err := waitHealthy(p.AdminURL, done); err != nil {
		t.Fatal(err)
	}
	return p
}

// listen opens a listener on a free loopback port; the server closes it.
func listen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return l
}

// waitHealthy polls adminURL/healthz until it answers 200, exited is
// readable (the server stopped), or readyTimeout passes.
func waitHealthy(adminURL string, exited <-chan error) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.NewTimer(readyTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if resp, err := client.Get(adminURL + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("proxy stopped before it was healthy: %v", err)
		case <-deadline.C:
			return fmt.Errorf("%s/healthz not 200 after %v", adminURL, readyTimeout)
		case <-tick.C:
		}
	}
}

// checkNoSecrets fails the test if out contains any non-empty secret.
func checkNoSecrets(t testing.TB, what, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("%s contains the secret %q:\n%s", what, s, out)
		}
	}
}

// writeFile writes content to path, failing the test on error.
func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
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
