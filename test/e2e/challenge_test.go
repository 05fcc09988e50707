package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/challenge"
	"github.com/poolguard/poolguard/internal/edge/hostedui"
	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
)

// challengeKey signs tokens in the challenge tests.
const challengeKey = "e2e-challenge-token-key-0123456789abcdef"

// challengeACL adds a Challenge rule for /app to the cognito-advanced
// preset's CAPTCHA on /login.
const challengeACL = `{"Name":"e2e","DefaultAction":{"Allow":{}},"Rules":[
 {"Name":"ChallengeApp","Priority":0,"Action":{"Challenge":{}},"VisibilityConfig":{"SampledRequestsEnabled":true,"CloudWatchMetricsEnabled":true,"MetricName":"ChallengeApp"},
  "Statement":{"ByteMatchStatement":{"FieldToMatch":{"UriPath":{}},"PositionalConstraint":"STARTS_WITH","SearchString":"/app","TextTransformations":[{"Priority":0,"Type":"NONE"}]}}}]}`

// startChallengeProxy builds the proxy from a config (cognito-advanced,
// a reputation list holding 127.0.0.1 and 198.51.100.0/24, a token
// secret) and serves its Hosted UI listener in front of a fake user pool
// domain. The built-in puzzle always draws answer.
func startChallengeProxy(t *testing.T, answer string) string {
	t.Helper()
	domain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<html><body><h1 id="app-content">%s %s</h1></body></html>`, r.Method, r.URL.Path)
	}))
	t.Cleanup(domain.Close)
	dir := t.TempDir()
	proxytest.WriteFile(t, filepath.Join(dir, "reputation.txt"), "# test list\n127.0.0.1\n198.51.100.0/24\n")
	proxytest.WriteFile(t, filepath.Join(dir, "token-key"), challengeKey+"\n")
	proxytest.WriteFile(t, filepath.Join(dir, "acl.json"), challengeACL)
	yaml := fmt.Sprintf(`listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream: {region: us-east-1, endpoint: %[1]s}
trusted_proxies: [127.0.0.1/32]
unknown_clients: pass
waf:
  name: e2e
  web_acl: acl.json
  presets: [cognito-advanced]
signals:
  bot_signals: false
  ip_lists:
    - {name: reputation, label: "awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList", source: reputation.txt, format: cidr}
  challenge:
    token_secret: file:%[2]s
    difficulty: 14
`, domain.URL, filepath.Join(dir, "token-key"))
	path := filepath.Join(dir, "poolguard.yaml")
	proxytest.WriteFile(t, path, yaml)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	st, err := server.BuildState(context.Background(), cfg, server.Deps{Store: ratelimit.NewMemory()})
	if err != nil {
		t.Fatalf("server.BuildState: %v", err)
	}
	if st.Challenge == nil || st.Signals == nil {
		t.Fatal("signals or challenge not built")
	}
	// The same key with a puzzle whose answer the test knows: tokens it
	// issues are accepted by the web ACL's token checker, as a replica's
	// would be.
	svc, err := challenge.New(challenge.Config{Key: []byte(challengeKey), Difficulty: 14,
		Verifier: &challenge.Puzzle{Key: []byte(challengeKey), Code: func() string { return answer }},
		ClientIP: func(r *http.Request) netip.Addr {
			peer, _ := netip.ParseAddrPort(r.RemoteAddr)
			return st.ClientIP.ClientIP(peer.Addr(), r.Header["X-Forwarded-For"])
		}})
	if err != nil {
		t.Fatal(err)
	}
	up, _ := url.Parse(domain.URL)
	h, err := hostedui.New(hostedui.Config{Upstream: up, Firewall: st.WAF, ClientIP: st.ClientIP, Signals: st.Signals, Challenge: svc, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

type browserFlow struct {
	Statuses  []int
	Text      string
	Token     string
	UserAgent string
	Error     string
	Ms        int
	Console   []string
}

// TestChallengeAndCaptchaInChromium: a browser stopped by a Challenge
// (202) solves it in the page and the retried request passes; one stopped
// by the CAPTCHA on /login (405, its address is on the reputation list)
// solves the proof of work, types the puzzle's answer and passes. Then the
// tokens the browser got are replayed: from another address range, forged,
// expired; and API clients get 405/202 with x-amzn-waf-action.
func TestChallengeAndCaptchaInChromium(t *testing.T) {
	dir := nodeProject(t, "playwright-core")
	chromiumPath := chromium(t)
	base := startChallengeProxy(t, "40217")
	pw := "file://" + filepath.Join(dir, "node_modules", "playwright-core", "index.mjs")
	script, err := filepath.Abs("challenge_browser.mjs")
	if err != nil {
		t.Fatal(err)
	}
	var run struct{ Challenge, Captcha browserFlow }
	runNode(t, dir, script, 120*time.Second, map[string]string{
		"PW_MODULE": pw, "CHROMIUM": chromiumPath, "BASE_URL": base, "CAPTCHA": "40217",
	}, &run)
	for name, f := range map[string]browserFlow{"challenge": run.Challenge, "captcha": run.Captcha} {
		t.Logf("%s: statuses %v in %d ms, page %q", name, f.Statuses, f.Ms, f.Text)
		if f.Error != "" || f.Token == "" {
			t.Errorf("%s: %s (token %q)\nconsole:\n%s", name, f.Error, f.Token, strings.Join(f.Console, "\n"))
		}
	}
	if s := run.Challenge.Statuses; len(s) < 2 || s[0] != 202 || s[len(s)-1] != 200 || !strings.Contains(run.Challenge.Text, "GET /app/home") {
		t.Errorf("challenge flow: statuses %v, page %q", s, run.Challenge.Text)
	}
	if s := run.Captcha.Statuses; len(s) < 2 || s[0] != 405 || s[len(s)-1] != 200 || !strings.Contains(run.Captcha.Text, "GET /login") {
		t.Errorf("captcha flow: statuses %v, page %q", s, run.Captcha.Text)
	}
	ua := run.Captcha.UserAgent
	get := func(path, xff, ua, token, accept string) *http.Response {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("User-Agent", ua)
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		if token != "" {
			req.Header.Set("Cookie", challenge.CookieName+"="+token)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	tok := run.Captcha.Token
	sig := strings.LastIndexByte(tok, '.')
	forged := tok[:sig+1] + strings.Repeat("A", len(tok)-sig-1)
	expired := mintToken(t, base, ua, time.Now().Add(-10*time.Minute))
	for _, tc := range []struct {
		name, path, xff, ua, token, accept string
		status                             int
		action                             string
	}{
		{"the browser's token, same client", "/login", "", ua, tok, "", 200, ""},
		{"the token from another /24", "/login", "198.51.100.9", ua, tok, "", 405, "captcha"},
		{"the token with another User-Agent", "/login", "", "curl/8.5.0", tok, "", 405, "captcha"},
		{"a forged token", "/login", "", ua, forged, "", 405, "captcha"},
		{"an expired token (solved 10 min ago, immunity 300 s)", "/login", "", ua, expired, "", 405, "captcha"},
		{"API client, CAPTCHA, no token", "/login", "", "aws-sdk-js/3", "", "application/json", 405, "captcha"},
		{"API client, Challenge, no token", "/app/x", "", "aws-sdk-js/3", "", "application/json", 202, "challenge"},
		{"the challenge token on /app", "/app/x", "", run.Challenge.UserAgent, run.Challenge.Token, "", 200, ""},
	} {
		resp := get(tc.path, tc.xff, tc.ua, tc.token, tc.accept)
		if resp.StatusCode != tc.status || resp.Header.Get("X-Amzn-Waf-Action") != tc.action {
			t.Errorf("%s: %d %q, want %d %q", tc.name, resp.StatusCode, resp.Header.Get("X-Amzn-Waf-Action"), tc.status, tc.action)
		}
	}
}

// mintToken solves a challenge at the proxy's challenge endpoint with a
// clock set to at, through a service sharing the proxy's key, and returns
// the token: genuine and bound to this client, but solved at at.
func mintToken(t *testing.T, base, ua string, at time.Time) string {
	t.Helper()
	svc, err := challenge.New(challenge.Config{Key: []byte(challengeKey), Difficulty: 8,
		Verifier: &challenge.Puzzle{Key: []byte(challengeKey), Code: func() string { return "1" }},
		Now:      func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	page := getBody(t, srv.URL+challenge.Prefix+"?kind=captcha", ua)
	i := strings.Index(page, `type="application/json"`)
	j := strings.Index(page[i:], ">")
	k := strings.Index(page[i:], "</script>")
	var cfg struct {
		Puzzle, State string
		Bits          int
	}
	if err := json.Unmarshal([]byte(page[i+j+1:i+k]), &cfg); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"puzzle": cfg.Puzzle, "counter": challenge.Solve(cfg.Puzzle, cfg.Bits), "state": cfg.State, "response": "1"})
	req, _ := http.NewRequest("POST", srv.URL+challenge.Prefix+"/verify", bytes.NewReader(body))
	req.Header.Set("User-Agent", ua)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("mint: %d %v", resp.StatusCode, err)
	}
	_ = base
	return out.Token
}

func getBody(t *testing.T, u, ua string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("User-Agent", ua)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
