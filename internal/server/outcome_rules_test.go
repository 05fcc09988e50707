package server

import (
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
	p := serveFile(t, path, Deps{}, nil)
	var got []int
	for range 5 {
		got = append(got, signInStatus(t, p.URL, "198.51.100.7", "mallory-target"))
	}
	other := signInStatus(t, p.URL, "198.51.100.8", "mallory-target")
	if want := []int{400, 400, 400, 429, 429}; !equalInts(got, want) || other != 400 {
		t.Fatalf("statuses %v then %d from another IP, want %v then 400", got, other, want)
	}
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
