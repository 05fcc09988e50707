package hostedui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/clientip"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/rules/waf"
	"github.com/poolguard/poolguard/internal/rules/webacl"
)

// categoriesEngine compiles the cognito-categories preset with a user
// creation limit of 10 requests per IP and minute.
func categoriesEngine(t *testing.T) *waf.Engine {
	t.Helper()
	eng, err := webacl.Build(&config.WAF{Name: "hostedui", Presets: []config.Preset{{
		Name:   "cognito-categories",
		Params: map[string]any{"UserCreationRateLimit": 10, "EvaluationWindowSec": 60},
	}}}, webacl.Input{Region: "us-east-1", Store: ratelimit.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// TestWebACLCategories sends Hosted UI requests through the proxy with the
// cognito-categories preset: /signup, /confirmUser and /resendcode share
// the UserCreation limit and are blocked with a 403 page once over it,
// before reaching the user pool domain, while /login (SignIn) and
// /oauth2/token (Default) from the same client go on.
func TestWebACLCategories(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	e := startEnv(t, func(c *Config) {
		c.Firewall = categoriesEngine(t)
		c.ClientIP = clientip.New(nil)
		c.Now = func() time.Time { return now }
	})
	get := func(path string, xff string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, e.proxy.URL+path, nil)
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		resp, body := do(t, req)
		if resp.StatusCode == http.StatusForbidden && !strings.Contains(body, "Request blocked.") {
			t.Fatalf("block page = %q", body)
		}
		return resp
	}
	paths := []string{"/signup?client_id=a", "/confirmUser", "/resendcode"}
	allowed := 0
	var blocked *http.Response
	for i := 0; i < 40 && blocked == nil; i++ {
		// X-Forwarded-For from an untrusted peer must not spread the count.
		resp := get(paths[i%len(paths)], "198.51.100."+string(rune('1'+i%9)))
		switch resp.StatusCode {
		case http.StatusOK:
			allowed++
		case http.StatusForbidden:
			blocked = resp
		default:
			t.Fatalf("user creation request %d: %s", i, resp.Status)
		}
	}
	if blocked == nil || allowed < 10 {
		t.Fatalf("allowed %d user creation requests, blocked: %v; want a block after at least 10", allowed, blocked != nil)
	}
	if ct := blocked.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || blocked.Header.Get("X-Amzn-Requestid") == "" {
		t.Errorf("block headers = %v", blocked.Header)
	}
	before := len(e.fake.requests())
	if resp := get("/signup", ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("/signup after the limit: %s; want 403", resp.Status)
	}
	if len(e.fake.requests()) != before {
		t.Errorf("a blocked request reached the user pool domain")
	}
	if resp := get("/login?client_id=a", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("/login (SignIn category): %s; want 200", resp.Status)
	}
	resp, _ := postForm(t, e.proxy.URL+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {publicApp}}, nil)
	if resp.StatusCode == http.StatusForbidden {
		t.Errorf("/oauth2/token (Default category) was blocked")
	}
	// A minute later the window has passed.
	now = now.Add(2 * time.Minute)
	if resp := get("/signup", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("/signup two minutes later: %s; want 200", resp.Status)
	}
}

// fixedVerdict is a Firewall that answers one verdict and records views.
type fixedVerdict struct {
	vd    waf.Verdict
	views []string
}

func (f *fixedVerdict) Evaluate(_ context.Context, _ time.Time, v *request.View, out *waf.Verdict) error {
	*out = f.vd
	f.views = append(f.views, v.Method+" "+v.Path+" client="+v.ClientID+" ip="+v.ClientIP.String())
	return nil
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name       string
		vd         waf.Verdict
		wantStatus int
		wantHeader [2]string
		wantBody   string
	}{
		{"captcha", waf.Verdict{Action: waf.ActionCaptcha}, http.StatusMethodNotAllowed, [2]string{"X-Amzn-Waf-Action", "captcha"}, "CAPTCHA"},
		{"challenge", waf.Verdict{Action: waf.ActionChallenge}, http.StatusAccepted, [2]string{"X-Amzn-Waf-Action", "challenge"}, "challenge"},
		{"custom response", waf.Verdict{Action: waf.ActionBlock, CustomResponse: &waf.Response{
			StatusCode: 429, Headers: []waf.HeaderField{{Name: "Retry-After", Value: "60"}}, Body: "slow down", ContentType: "text/plain"}},
			429, [2]string{"Retry-After", "60"}, "slow down"},
		{"allow inserts headers", waf.Verdict{Action: waf.ActionAllow, InsertHeaders: []waf.HeaderField{{Name: "x-amzn-waf-seen", Value: "1"}}},
			http.StatusOK, [2]string{}, "/oauth2/userInfo"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fw := &fixedVerdict{vd: c.vd}
			e := startEnv(t, func(cfg *Config) { cfg.Firewall = fw })
			req, _ := http.NewRequest(http.MethodGet, e.proxy.URL+"/oauth2/userInfo?client_id=q1", nil)
			resp, body := do(t, req)
			if resp.StatusCode != c.wantStatus || !strings.Contains(body, c.wantBody) {
				t.Fatalf("got %s %q; want %d containing %q", resp.Status, body, c.wantStatus, c.wantBody)
			}
			if c.wantHeader[0] != "" && resp.Header.Get(c.wantHeader[0]) != c.wantHeader[1] {
				t.Errorf("%s = %q; want %q", c.wantHeader[0], resp.Header.Get(c.wantHeader[0]), c.wantHeader[1])
			}
			if c.vd.Action == waf.ActionAllow {
				if reqs := e.fake.requests(); len(reqs) != 1 || reqs[0].Inserted != "1" {
					t.Errorf("upstream saw %+v; want the inserted header", reqs)
				}
			} else if n := len(e.fake.requests()); n != 0 {
				t.Errorf("a refused request reached the user pool domain")
			}
			if len(fw.views) != 1 || !strings.HasPrefix(fw.views[0], "GET /oauth2/userInfo client=q1 ip=127.0.0.1") {
				t.Errorf("web ACL saw %v", fw.views)
			}
		})
	}
}
