package server

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// counter records the non-terminating matches the proxy reports.
type counter struct {
	mu      sync.Mutex
	counted map[string]int
}

func (c *counter) Observe(o *observe.Outcome) {
	if o.Verdict == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range o.Verdict.NonTerminating {
		c.counted[m.RuleID]++
	}
}

// startWAFProxy serves cfgYAML's proxy in front of a 200-answering upstream.
func startWAFProxy(t *testing.T, cfgYAML string, obs observe.Observer) string {
	t.Helper()
	return serveFile(t, writeConfig(t, cfgYAML, okUpstream(t).URL), Deps{}, obs).URL
}

const categoriesConfig = `
upstream: {endpoint: UPSTREAM}
trusted_proxies: [127.0.0.1/32]
clients: [{client_id: c1, client_secret: s}]
waf:
  test_mode: TESTMODE
  presets:
    - {name: cognito-categories, params: {SignInRateLimit: 100, EvaluationWindowSec: 60}}
`

func initiateAuth(t *testing.T, proxyURL, clientIP string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, proxyURL+"/", strings.NewReader(
		`{"ClientId":"c1","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"u","PASSWORD":"p"}}`))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Forwarded-For", clientIP)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// The acceptance scenario: with SignIn limited to 100 per 60 s, the
// 101st InitiateAuth from one client IP is blocked at once while other IPs
// pass; in test mode the same traffic all passes and is counted.
func TestSignInLimitThroughProxy(t *testing.T) {
	p := startWAFProxy(t, strings.Replace(categoriesConfig, "TESTMODE", "false", 1), nil)
	for i := 1; i <= 100; i++ {
		if status, body := initiateAuth(t, p, "198.51.100.7"); status != 200 {
			t.Fatalf("request %d: %d %s", i, status, body)
		}
	}
	status, body := initiateAuth(t, p, "198.51.100.7")
	if status != 403 || !strings.Contains(body, `"__type":"ForbiddenException"`) || !strings.Contains(body, "WAF block") {
		t.Fatalf("101st request: %d %s, want Cognito's 403 WAF block", status, body)
	}
	if status, _ := initiateAuth(t, p, "198.51.100.8"); status != 200 {
		t.Fatalf("another IP: %d", status)
	}
}

func TestSignInLimitTestModeCounts(t *testing.T) {
	c := &counter{counted: map[string]int{}}
	p := startWAFProxy(t, strings.Replace(categoriesConfig, "TESTMODE", "true", 1), c)
	for i := 1; i <= 120; i++ {
		if status, body := initiateAuth(t, p, "198.51.100.7"); status != 200 {
			t.Fatalf("request %d in test mode: %d %s", i, status, body)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if got := c.counted["RateLimitSignIn"]; got != 20 {
		t.Fatalf("RateLimitSignIn counted %d requests, want the 20 over the limit (counts: %v)", got, c.counted)
	}
}

func TestWAFConfigErrorsNameTheRule(t *testing.T) {
	dir := t.TempDir()
	acl := filepath.Join(dir, "acl.json")
	_ = os.WriteFile(acl, []byte(`[{"Name":"Bad","Priority":0,"Statement":{"IPSetReferenceStatement":{"ARN":"arn:aws:wafv2:us-east-1:1:regional/ipset/Nope/x"}},"Action":{"Block":{}},"VisibilityConfig":{"SampledRequestsEnabled":false,"CloudWatchMetricsEnabled":false,"MetricName":"Bad"}}]`), 0o600)
	path := filepath.Join(dir, "c.yaml")
	_ = os.WriteFile(path, []byte("upstream: {region: us-east-1}\nwaf: {web_acl: acl.json}\n"), 0o600)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = BuildState(context.Background(), cfg, Deps{Store: ratelimit.NewMemory()})
	if err == nil || !strings.Contains(err.Error(), `rule "Bad"`) || !strings.Contains(err.Error(), "acl.json") || !strings.Contains(err.Error(), "Nope") {
		t.Fatalf("err = %v, want it to name the file, the rule and the missing set", err)
	}
}

// TestIPv6NetworkSharesALimit: with the presets (waf.ip_v6_prefix 64 by
// default), addresses of one /64 share the per-IP limit, so rotating
// inside it buys nothing, while another /64 keeps its own. Before the
// key existed, each address had its own 100 requests.
func TestIPv6NetworkSharesALimit(t *testing.T) {
	p := startWAFProxy(t, strings.Replace(categoriesConfig, "TESTMODE", "false", 1), nil)
	for i := 1; i <= 100; i++ {
		ip := "2001:db8:1:2::a"
		if i%2 == 0 {
			ip = "2001:db8:1:2:ffff:ffff:ffff:b" // same /64
		}
		if status, body := initiateAuth(t, p, ip); status != 200 {
			t.Fatalf("request %d from %s: %d %s", i, ip, status, body)
		}
	}
	if status, _ := initiateAuth(t, p, "2001:db8:1:2:1234::c"); status != 403 {
		t.Fatalf("a third address of the /64: %d; want 403", status)
	}
	if status, _ := initiateAuth(t, p, "2001:db8:1:3::a"); status != 200 {
		t.Fatalf("another /64: %d; want 200", status)
	}
}

// TestZoneSpellingsShareALimit: with each address its own key
// (ip_v6_prefix: 128), the zone spellings of one address are still one
// client. Before zones were stripped, each spelling had its own limit.
func TestZoneSpellingsShareALimit(t *testing.T) {
	cfg := strings.Replace(categoriesConfig, "TESTMODE", "false\n  ip_v6_prefix: 128", 1)
	p := startWAFProxy(t, cfg, nil)
	for i := 1; i <= 100; i++ {
		ip := "fe80::1%z" + strings.Repeat("x", i%7)
		if status, body := initiateAuth(t, p, ip); status != 200 {
			t.Fatalf("request %d from %s: %d %s", i, ip, status, body)
		}
	}
	for _, ip := range []string{"fe80::1", "fe80::1%eth0", "[fe80::1%25]:443"} {
		if status, _ := initiateAuth(t, p, ip); status != 403 {
			t.Fatalf("%s after 100 requests: %d; want 403", ip, status)
		}
	}
	if status, _ := initiateAuth(t, p, "2001:db8:1:2::b"); status != 200 {
		t.Fatalf("with ip_v6_prefix 128 another address of the /64 keeps its own limit: %d; want 200", status)
	}
}
