package integration

import (
	"github.com/poolguard/poolguard/internal/testkit/proxytest"

	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readyTimeout bounds every readiness poll in this package.
const readyTimeout = proxytest.ReadyTimeout

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
			proxytest.WriteFile(t, path, cl.Secret+"\n")
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
type runningProxy = proxytest.Running

// startProxy writes c to a config file, loads it with config.Load, builds
// the state and upstream with the server package, serves on fresh loopback
// listeners and waits (bounded) until /healthz answers 200. When the test
// ends it cancels the serve context, which drains and stops the server, and
// checks that nothing secret (each client's secret, any JWT, and any string
// in forbidden) was logged.
func startProxy(t testing.TB, c proxyConfig, forbidden ...string) *runningProxy {
	t.Helper()
	dir := t.TempDir()
	cfg := proxytest.Load(t, dir, string(c.yaml(t, dir)))
	return proxytest.Run(t, cfg, proxytest.RunOptions{AfterStop: func(log string) {
		secrets := append([]string(nil), forbidden...)
		for _, cl := range c.Clients {
			secrets = append(secrets, cl.Secret)
		}
		checkNoSecrets(t, "proxy log", log, secrets...)
		// Every JWT (ID and access tokens) starts with a base64 '{"'.
		checkNoSecrets(t, "proxy log", log, "eyJ")
	}})
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
