package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
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
	if cfg.Upstream.Endpoint != "https://cognito-idp.eu-west-1.amazonaws.com/" {
		t.Errorf("endpoint %q", cfg.Upstream.Endpoint)
	}
	if cfg.Upstream.Timeout != 10*time.Second || cfg.Limits.MaxBodyBytes != 64<<10 || cfg.UnknownClients != "reject" {
		t.Errorf("defaults not applied: %+v", cfg)
	}
	if cfg.Clients[0].Refresh != "get_tokens" || !*cfg.Operations.AllowTokenAuth || cfg.CORS.AllowedOrigins[0] != "*" {
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
