package server

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/ops/analyze"
	"github.com/poolguard/poolguard/internal/ops/metrics"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/ops/waflog"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

const attackConfig = `
upstream: {endpoint: UPSTREAM, region: us-east-1}
trusted_proxies: [127.0.0.1/32]
clients: [{client_id: c1, user_pool_id: us-east-1_pool, client_secret: hunter2-client-secret}]
pool_acl: {proxy_header: {name: x-poolguard-auth, value: proxy-header-secret}}
waf:
  test_mode: true
  presets:
    - {name: cognito-categories, params: {SignInRateLimit: 100, EvaluationWindowSec: 60}}
`

// The proxy under a credential-stuffing burst writes AWS-format records
// that poolguard analyze turns into the attacker's IP, category and peak,
// with no password, secret or token in the log, and the upstream sees the
// pool ACL's proxy header on every call.
func TestAttackLogNamesTheAttacker(t *testing.T) {
	var sawHeader, missingHeader int
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Poolguard-Auth") == "proxy-header-secret" && len(r.Header.Values("X-Poolguard-Auth")) == 1 {
			sawHeader++
		} else {
			missingHeader++
		}
		_, _ = w.Write([]byte(`{"AuthenticationResult":{"AccessToken":"eyJ-token-value"}}`))
	}))
	defer up.Close()
	logPath := filepath.Join(t.TempDir(), "waf.log")
	wl, err := waflog.New(waflog.Options{Destination: logPath, Region: "us-east-1", Account: waf.DefaultAccount})
	if err != nil {
		t.Fatal(err)
	}
	met, err := metrics.New(metrics.Options{Dropped: wl.Dropped})
	if err != nil {
		t.Fatal(err)
	}
	srv := serveFile(t, writeConfig(t, attackConfig, up.URL), Deps{}, observe.Observers{wl, met})

	for i := range 300 {
		initiateAuthAs(t, srv.URL, "198.51.100.66", "victim")
		if i%10 == 0 {
			initiateAuthAs(t, srv.URL, "203.0.113.5", "alice")
		}
	}
	if err := wl.Close(); err != nil {
		t.Fatal(err)
	}
	if sawHeader != 330 || missingHeader != 0 {
		t.Fatalf("proxy header on %d upstream calls, missing on %d", sawHeader, missingHeader)
	}
	data, _ := os.ReadFile(logPath)
	if n := bytes.Count(data, []byte("\n")); n != 330 || wl.Dropped() != 0 {
		t.Fatalf("%d records, %d dropped", n, wl.Dropped())
	}
	for _, secret := range []string{"hunter2", "P@ssw0rd-attempt", "eyJ-token", "proxy-header-secret"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Fatalf("the log contains %q", secret)
		}
	}
	if n := bytes.Count(data, []byte(`{"ruleId":"RateLimitSignIn","action":"COUNT"`)); n != 200 {
		t.Fatalf("test mode: %d records count RateLimitSignIn, want the 200 over the limit", n)
	}
	var out bytes.Buffer
	o := analyze.DefaultOptions()
	o.Command, o.Files, o.Filter.Window, o.Format = "peak-rates", []string{logPath}, time.Minute, analyze.FormatCSV
	if err := analyze.Run(context.Background(), o, &out); err != nil {
		t.Fatalf("analyze: %v", err)
	}
	first := strings.SplitN(out.String(), "\n", 3)
	if len(first) < 2 || !strings.Contains(first[1], "SignIn") || !strings.Contains(first[1], "198.51.100.66") || !strings.Contains(first[1], "300") {
		t.Fatalf("peak-rates does not lead with the attacker:\n%s", out.String())
	}
}

func initiateAuthAs(t *testing.T, base, ip, user string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(
		`{"ClientId":"c1","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"`+user+`","PASSWORD":"P@ssw0rd-attempt"}}`))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	req.Header.Set("X-Forwarded-For", ip)
	req.Header.Set("X-Poolguard-Auth", "forged-by-client")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}
