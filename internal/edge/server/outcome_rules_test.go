package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/poolguard/poolguard/internal/ops/metrics"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/ops/waflog"
	"github.com/poolguard/poolguard/internal/rules/waf"

	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A user's own AWS-JSON rule acts on the attack-protection labels: with the
// preset in test mode (its rules only count), the file's rule answers 429
// to the brute-force source, and only to it.
func TestOwnRuleOnOutcomeLabels(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-Errortype", "NotAuthorizedException:")
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"__type":"NotAuthorizedException","message":"Incorrect username or password."}`))
	}))
	t.Cleanup(up.Close)
	path := writeConfig(t, `
upstream: {endpoint: UPSTREAM, region: us-east-1}
trusted_proxies: [127.0.0.1/32]
clients: [{client_id: c1, client_secret: s}]
waf:
  web_acl: own-rules.json
  presets: [{name: cognito-attack-protection, params: {TestMode: true, BruteForceThreshold: 3}}]
`, up.URL)
	rules := `[{"Name":"MyBruteForceAnswer","Priority":0,
  "Statement":{"LabelMatchStatement":{"Scope":"LABEL","Key":"poolguard:outcome:user-source:brute-force"}},
  "Action":{"Block":{"CustomResponse":{"ResponseCode":429}}},
  "VisibilityConfig":{"SampledRequestsEnabled":true,"CloudWatchMetricsEnabled":true,"MetricName":"MyBruteForceAnswer"}}]`
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "own-rules.json"), []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "waf.log")
	wl, err := waflog.New(waflog.Options{Destination: logPath, Region: "us-east-1", Account: waf.DefaultAccount})
	if err != nil {
		t.Fatal(err)
	}
	met, err := metrics.New(metrics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := serveFile(t, path, Deps{}, observe.Observers{wl, met})
	var got []int
	for range 5 {
		got = append(got, signInStatus(t, p.URL, "198.51.100.7", "mallory-target"))
	}
	other := signInStatus(t, p.URL, "198.51.100.8", "mallory-target")
	if want := []int{400, 400, 400, 429, 429}; !equalInts(got, want) || other != 400 {
		t.Fatalf("statuses %v then %d from another IP, want %v then 400", got, other, want)
	}
	// The WAF log says why (the label, the counts behind it) and the
	// metrics count the answers and the labelled decisions.
	if err := wl.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(logPath)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 6 || !strings.Contains(lines[3], `"outcome":{"category":"sign_in","answer":"unclassified","labels":["poolguard:outcome:user-source:brute-force"]`) ||
		!strings.Contains(lines[3], `"userSourceFailures":3`) || !strings.Contains(lines[3], `"terminatingRuleId":"MyBruteForceAnswer"`) ||
		!strings.Contains(lines[0], `"answer":"wrong_credentials"`) || strings.Contains(string(data), "mallory") {
		t.Fatalf("WAF log:\n%s", data)
	}
	if got := testutil.ToFloat64(metricVec(t, met, "poolguard_outcome_labels_total", "BLOCK", "poolguard:outcome:user-source:brute-force")); got != 2 {
		t.Errorf("poolguard_outcome_labels_total{brute-force,BLOCK} = %v, want 2", got)
	}
}

// metricVec finds one series of a counter vector by its label values, in
// the order of their names.
func metricVec(t *testing.T, met *metrics.Metrics, name string, values ...string) prometheus.Collector {
	t.Helper()
	mfs, err := met.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for i, lp := range m.GetLabel() {
				if i >= len(values) || lp.GetValue() != values[i] {
					continue next
				}
			}
			return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "x", Help: "x"}, func() float64 { return m.GetCounter().GetValue() })
		}
	}
	t.Fatalf("no series %s%v", name, values)
	return nil
}

func signInStatus(t *testing.T, base, ip, user string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(
		`{"ClientId":"c1","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"`+user+`","PASSWORD":"guess"}}`))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Per-username rate limits (cognito-credential-stuffing) count the
// resolved user once a sign-in taught that the email and the sub name one
// account (issue 15 item 11): 6 tries through each name meet one limit of
// 10, where per-literal counting let all 12 through.
func TestUsernameLimitOnResolvedUser(t *testing.T) {
	claims := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"5f1e-sub","cognito:username":"5f1e-sub","email":"kim@example.com"}`))
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), `"PASSWORD":"right"`) {
			_, _ = w.Write([]byte(`{"AuthenticationResult":{"IdToken":"h.` + claims + `.s"}}`))
			return
		}
		w.Header().Set("X-Amzn-Errortype", "NotAuthorizedException:")
		w.WriteHeader(400)
	}))
	t.Cleanup(up.Close)
	path := writeConfig(t, `
upstream: {endpoint: UPSTREAM, region: us-east-1}
trusted_proxies: [127.0.0.1/32]
clients: [{client_id: c1, client_secret: s}]
waf:
  presets:
    - {name: cognito-attack-protection, params: {TestMode: true}}
    - {name: cognito-credential-stuffing, params: {UsernameRateLimit: 10}}
`, up.URL)
	p := serveFile(t, path, Deps{}, nil)
	if s := signInWith(t, p.URL, "192.0.2.1", "kim@example.com", "right"); s != 200 {
		t.Fatalf("sign-in: %d", s)
	}
	var got []int
	for i := range 12 {
		name := []string{"Kim@Example.com", "5f1e-sub"}[i%2]
		got = append(got, signInWith(t, p.URL, fmt.Sprintf("198.51.100.%d", i+1), name, "wrong"))
	}
	// The learning sign-in counted under the literal email (nothing was
	// learnt yet); the next 10 count under the user, then the limit holds.
	if want := []int{400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 403, 403}; !equalInts(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
}

func signInWith(t *testing.T, base, ip, user, password string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(
		`{"ClientId":"c1","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"`+user+`","PASSWORD":"`+password+`"}}`))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
