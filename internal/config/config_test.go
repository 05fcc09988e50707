package config

import (
	"errors"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
)

func TestBadConfigReportsEveryProblem(t *testing.T) {
	_, err := Load("testdata/bad.yaml")
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("Load error = %v, want *Error", err)
	}
	want, _ := os.ReadFile("testdata/bad.golden")
	if got := err.Error() + "\n"; got != string(want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", got, want)
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := Parse("t.yaml", []byte("upstream: {region: eu-west-1}\nclients: [{client_id: c, client_secret: 'env:S'}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Upstream.Endpoint.String() != "https://cognito-idp.eu-west-1.amazonaws.com/" {
		t.Errorf("endpoint %q", cfg.Upstream.Endpoint.String())
	}
	if cfg.Upstream.Timeout != 10*time.Second || cfg.Limits.MaxBodyBytes != 64<<10 || cfg.UnknownClients != "reject" {
		t.Errorf("defaults not applied: %+v", cfg)
	}
	if cfg.Clients[0].Refresh != cognito.RefreshGetTokens || !*cfg.Operations.AllowTokenAuth || cfg.CORS.AllowedOrigins[0] != "*" {
		t.Errorf("defaults not applied: %+v", cfg)
	}
}

func TestJSONAccepted(t *testing.T) {
	_, err := Parse("t.json", []byte(`{"upstream": {"endpoint": "http://127.0.0.1:1"}, "clients": [{"client_id": "c"}]}`))
	if err != nil {
		t.Fatal(err)
	}
}

func TestSyntaxError(t *testing.T) {
	_, err := Parse("t.yaml", []byte("listen: [\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "t.yaml:") {
		t.Fatalf("err = %v, want it located in t.yaml", err)
	}
}

func TestLiteralSecretWarnsWithoutShowingIt(t *testing.T) {
	cfg, err := Parse("t.yaml", []byte("upstream: {region: us-east-1}\nclients:\n  - client_id: c\n    client_secret: hunter2hunter2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 1 || cfg.Warnings[0].Line != 4 {
		t.Fatalf("warnings = %v", cfg.Warnings)
	}
	if strings.Contains(cfg.Warnings[0].String(), "hunter2") {
		t.Fatal("warning shows the secret")
	}
}

func TestPresetForms(t *testing.T) {
	cfg, err := Parse("t.yaml", []byte(`upstream: {region: us-east-1}
waf:
  presets:
    - cognito-proxy
    - {name: cognito-categories, params: {SignInRateLimit: 100}}
`))
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.WAF.Presets
	if len(p) != 2 || p[0].Name != "cognito-proxy" || p[1].Params["SignInRateLimit"] != 100 {
		t.Fatalf("presets = %+v", p)
	}
	if _, err := Parse("t.yaml", []byte("upstream: {region: us-east-1}\nwaf: {presets: [{name: x, parms: {}}]}\n")); err == nil || !strings.Contains(err.Error(), "parms") {
		t.Fatalf("misspelt preset key: err = %v", err)
	}
}

func TestTypeErrorsNameTheKeyAndHideTheValue(t *testing.T) {
	_, err := Parse("t.yaml", []byte("upstream: {region: us-east-1}\nclients:\n  - client_id: c\n    propagate_ip: s3cr3t-value\n"))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if !strings.Contains(msg, "t.yaml:4: clients[0].propagate_ip: wrong type") || strings.Contains(msg, "s3cr3t") {
		t.Fatalf("error %q: want the key named and the value hidden", msg)
	}
}

func TestHostedUIClientAuthNeedsSecret(t *testing.T) {
	_, err := Parse("t.yaml", []byte("upstream: {region: eu-west-1}\nclients:\n  - client_id: c\n    hosted_ui_client_auth: true\n"))
	if err == nil || !strings.Contains(err.Error(), "t.yaml:4: clients[0].hosted_ui_client_auth: needs client_secret") {
		t.Fatalf("err = %v; want the key named with its line", err)
	}
}

func TestBuiltInPuzzleWarns(t *testing.T) {
	base := "upstream: {region: eu-west-1}\nsignals:\n  challenge:\n    token_secret: env:TOKEN\n"
	for _, c := range []struct{ extra, want string }{
		{"", "t.yaml:4: signals.challenge.token_secret: CAPTCHA rules use the built-in puzzle, a weak CAPTCHA"},
		{"    captcha: {provider: puzzle}\n", "t.yaml:5: signals.challenge.captcha.provider: CAPTCHA rules use the built-in puzzle"},
		{"    captcha: {provider: turnstile, site_key: k, secret: env:S}\n", ""},
	} {
		cfg, err := Parse("t.yaml", []byte(base+c.extra))
		if err != nil {
			t.Fatal(err)
		}
		var got string
		for _, w := range cfg.Warnings {
			if strings.Contains(w.String(), "puzzle") {
				got = w.String()
			}
		}
		if (c.want == "") != (got == "") || !strings.HasPrefix(got, c.want) {
			t.Errorf("%q: warning %q; want %q", c.extra, got, c.want)
		}
	}
}

// TestManyMistakesGolden: one file with mistakes of every kind (unknown
// keys with a suggestion, duplicate keys, wrong types, values a typed
// field refuses, a cross-key rule) gives one error listing each with its
// file:line, key and problem, in line order.
func TestManyMistakesGolden(t *testing.T) {
	_, err := Load("testdata/mistakes.yaml")
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("Load error = %v, want *Error", err)
	}
	for _, p := range ce.Problems {
		if p.Line == 0 || p.Column == 0 && p.Key != "tls" {
			t.Errorf("%v: no position", p)
		}
	}
	want, _ := os.ReadFile("testdata/mistakes.golden")
	if got := err.Error() + "\n"; got != string(want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", got, want)
	}
}

// TestAnchorsAndMerges: anchors, aliases and merge keys decode as the
// YAML library does, a key beside a merge overrides the merged one, and
// an anchor that contains itself is an error, not a hang.
func TestAnchorsAndMerges(t *testing.T) {
	_, err := Parse("t.yaml", []byte(`upstream: {region: us-east-1}
x-client: &base {user_pool_id: us-east-1_abc, refresh: remember, propagate_ip: true}
clients:
  - {<<: *base, client_id: one}
  - {<<: *base, client_id: two, refresh: raw_secret}
trusted_proxies: &nets [10.0.0.0/8, 192.0.2.1]
pool_acl: {proxy_egress_ips: *nets}
`))
	if err == nil || !strings.Contains(err.Error(), "t.yaml:2: x-client: unknown key") {
		t.Fatalf("err = %v; want the extension key refused (strict keys)", err)
	}
	cfg, err := Parse("t.yaml", []byte(`upstream: {region: us-east-1}
clients:
  - &base {client_id: one, user_pool_id: us-east-1_abc, refresh: remember, propagate_ip: true}
  - {<<: *base, client_id: two, refresh: raw_secret}
trusted_proxies: &nets [10.0.0.0/8, 192.0.2.1]
pool_acl: {proxy_egress_ips: *nets}
`))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Clients
	if c[0].Refresh != cognito.RefreshRemember || c[1].Refresh != cognito.RefreshRawSecret || c[1].ClientID != "two" || !c[1].PropagateIP {
		t.Errorf("clients = %+v", c)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
	if !slices.Equal(cfg.TrustedProxies, want) || !slices.Equal(cfg.PoolACL.ProxyEgressIPs, want) {
		t.Errorf("trusted %v egress %v, want %v", cfg.TrustedProxies, cfg.PoolACL.ProxyEgressIPs, want)
	}
	for _, doc := range []string{"a: &a [*a]\n", "clients: &c [{<<: *c}]\n", "x: &x {<<: *x}\n"} {
		if _, err := Parse("t.yaml", []byte(doc)); err == nil {
			t.Errorf("%q: no error", doc)
		}
	}
	flood := "upstream: {region: us-east-1}\nx: &x {client_id: a, allowed_auth_flows: [USER_SRP_AUTH]}\nclients: [" +
		strings.Repeat("*x, ", 4000) + "*x]\n"
	if _, err := Parse("t.yaml", []byte(flood)); err == nil || !strings.Contains(err.Error(), "too many values reached through aliases") {
		t.Errorf("alias flood: err = %.200v", err)
	}
}

// TestSuggest: a near key is suggested, a far one is not.
func TestSuggest(t *testing.T) {
	known := []string{"timeout", "endpoint", "region", "client_secret", "operations", "secrets"}
	for key, want := range map[string]string{
		"timout": "timeout", "client_secert": "client_secret", "regoin": "region", "endpiont": "endpoint",
		"replicaCount": "", "secretEnv": "", "colour": "", "x": "",
	} {
		if got := suggest(key, known); got != want {
			t.Errorf("suggest(%q) = %q, want %q", key, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/bad.yaml", "testdata/mistakes.yaml", "../../examples/poolguard.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("f.yaml", data)
		if err == nil && cfg == nil {
			t.Fatal("nil config without an error")
		}
		var ce *Error
		if errors.As(err, &ce) && len(ce.Problems) == 0 {
			t.Fatal("an error with no problem")
		}
	})
}

// TestRedisAddressesParsedOnce: state.redis.address is split and checked
// at load; the proxy reads hosts and ports from the config, not the text.
func TestRedisAddressesParsedOnce(t *testing.T) {
	for _, c := range []struct{ addr, want, err string }{
		{"redis:6379", "redis:6379", ""},
		{"a:1, b:2,[::1]:3", "a:1 b:2 [::1]:3", ""},
		{"redis", "", `t.yaml:2: state.redis.address: "redis" is not host:port`},
		{"a:1,,b:2", "", `t.yaml:2: state.redis.address: "" is not host:port`},
	} {
		cfg, err := Parse("t.yaml", []byte("upstream: {region: us-east-1}\nstate: {redis: {address: '"+c.addr+"'}}\n"))
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%q: err = %v, want %s", c.addr, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(cfg.State.Redis.Address.Strings(), " "); got != c.want {
			t.Errorf("%q: addresses %q, want %q", c.addr, got, c.want)
		}
	}
}

// TestURLsParsedOnceCompareByValue: upstream URLs are parsed at load into
// values that compare equal when written alike, so a reload that leaves
// upstream alone keeps its connection pool (server.Reloader compares
// cfg.Upstream), and one that changes the endpoint does not.
func TestURLsParsedOnceCompareByValue(t *testing.T) {
	parse := func(endpoint string) *Config {
		t.Helper()
		cfg, err := Parse("t.yaml", []byte("upstream: {endpoint: '"+endpoint+"', hosted_ui: 'https://d.auth.us-east-1.amazoncognito.com'}\nhosted_ui: {listen: '127.0.0.1:8081'}\n"))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	a, b, c := parse("http://127.0.0.1:9000/"), parse("http://127.0.0.1:9000/"), parse("http://127.0.0.1:9001/")
	if a.Upstream != b.Upstream || a.Upstream == c.Upstream {
		t.Errorf("same endpoint equal: %v; other endpoint equal: %v", a.Upstream == b.Upstream, a.Upstream == c.Upstream)
	}
	if u := a.Upstream.Endpoint.Ptr(); u.Host != "127.0.0.1:9000" || u.Scheme != "http" || a.Upstream.HostedUI.Host != "d.auth.us-east-1.amazoncognito.com" {
		t.Errorf("parsed %v and %v", u, a.Upstream.HostedUI)
	}
	if _, err := Parse("t.yaml", []byte("upstream: {endpoint: 'ftp://x'}\n")); err == nil || err.Error() != `t.yaml:1: upstream.endpoint: "ftp://x" is not an absolute http(s) URL` {
		t.Errorf("ftp endpoint: %v", err)
	}
}
