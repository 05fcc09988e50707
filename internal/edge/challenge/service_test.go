package challenge

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

var (
	testKey = []byte("0123456789abcdef0123456789abcdef")
	t0      = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

const ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"

// harness is a Service at a settable time whose client address comes from
// the X-Test-IP header.
type harness struct {
	s   *Service
	now time.Time
}

func newHarness(t *testing.T, v Verifier) *harness {
	h := &harness{now: t0}
	s, err := New(Config{Key: testKey, Difficulty: 8, Verifier: v, Now: func() time.Time { return h.now },
		ClientIP: func(r *http.Request) netip.Addr { return netip.MustParseAddr(r.Header.Get("X-Test-IP")) }})
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	return h
}

func (h *harness) do(method, path, ip string, body any, hdr ...string) *httptest.ResponseRecorder {
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	r := httptest.NewRequest(method, path, rd)
	r.Header.Set("X-Test-IP", ip)
	r.Header.Set("User-Agent", ua)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.s.ServeHTTP(w, r)
	return w
}

// solveChallenge gets a challenge from /new and solves it, returning the
// verify request.
func (h *harness) solveChallenge(t *testing.T, ip string) verifyRequest {
	w := h.do("GET", Prefix+"/new", ip, nil)
	var c struct {
		Puzzle string
		Bits   int
	}
	if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil || w.Code != 200 {
		t.Fatalf("new: %d %s", w.Code, w.Body)
	}
	return verifyRequest{Puzzle: c.Puzzle, Counter: Solve(c.Puzzle, c.Bits)}
}

func (h *harness) solved(tok, ip, ua string, kind waf.Action) (time.Time, waf.TokenStatus) {
	v := &request.View{ClientIP: netip.MustParseAddr(ip), Header: http.Header{"User-Agent": {ua}}}
	if tok != "" {
		v.Header.Set("Cookie", "other=1; "+CookieName+"="+tok)
	}
	return h.s.Solved(v, kind)
}

func TestChallengeTokenLifecycle(t *testing.T) {
	h := newHarness(t, nil)
	vr := h.solveChallenge(t, "192.0.2.10")
	w := h.do("POST", Prefix+"/verify", "192.0.2.10", vr)
	if w.Code != 200 {
		t.Fatalf("verify: %d %s", w.Code, w.Body)
	}
	var out struct{ Token string }
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	if c := w.Result().Cookies(); len(c) != 1 || c[0].Name != CookieName || c[0].Value != out.Token || !c[0].HttpOnly {
		t.Fatalf("cookie: %+v", c)
	}
	// Replaying the solved puzzle gets no second token.
	if w := h.do("POST", Prefix+"/verify", "192.0.2.10", vr); w.Code != 403 || !strings.Contains(w.Body.String(), "already used") {
		t.Errorf("replayed puzzle: %d %s", w.Code, w.Body)
	}
	// The signature's first character changed to another: always a token
	// signed differently (replacing its end with a fixed text would leave
	// the one token in 1024 that already ends with it unchanged).
	at := strings.LastIndexByte(out.Token, '.') + 1
	other := byte('A')
	if out.Token[at] == other {
		other = 'B'
	}
	forged := out.Token[:at] + string(other) + out.Token[at+1:]
	for _, tc := range []struct {
		name, tok, ip, ua string
		kind              waf.Action
		want              waf.TokenStatus
	}{
		{"same client", out.Token, "192.0.2.10", ua, waf.ActionChallenge, waf.TokenValid},
		{"same /24", out.Token, "192.0.2.200", ua, waf.ActionChallenge, waf.TokenValid},
		{"another /24", out.Token, "192.0.3.10", ua, waf.ActionChallenge, waf.TokenInvalid},
		{"another user agent", out.Token, "192.0.2.10", "curl/8.5.0", waf.ActionChallenge, waf.TokenInvalid},
		{"forged signature", forged, "192.0.2.10", ua, waf.ActionChallenge, waf.TokenInvalid},
		{"garbage", "pg1.xyz", "192.0.2.10", ua, waf.ActionChallenge, waf.TokenInvalid},
		{"no token", "", "192.0.2.10", ua, waf.ActionChallenge, waf.TokenMissing},
		{"challenge token for a CAPTCHA", out.Token, "192.0.2.10", ua, waf.ActionCaptcha, waf.TokenMissing},
	} {
		at, st := h.solved(tc.tok, tc.ip, tc.ua, tc.kind)
		if st != tc.want || (st == waf.TokenValid && !at.Equal(t0)) {
			t.Errorf("%s: %v at %v, want %v", tc.name, st, at, tc.want)
		}
	}
}

func TestVerifyRefusals(t *testing.T) {
	h := newHarness(t, nil)
	vr := h.solveChallenge(t, "2001:db8:1:2::5")
	bad := vr
	bad.Counter = "x"
	if w := h.do("POST", Prefix+"/verify", "2001:db8:1:2::5", bad); w.Code != 403 || !strings.Contains(w.Body.String(), "proof of work") {
		t.Errorf("wrong counter: %d %s", w.Code, w.Body)
	}
	if w := h.do("POST", Prefix+"/verify", "2001:db8:1:3::5", vr); w.Code != 403 || !strings.Contains(w.Body.String(), "another client") {
		t.Errorf("other /64: %d %s", w.Code, w.Body)
	}
	h.now = t0.Add(6 * time.Minute)
	if w := h.do("POST", Prefix+"/verify", "2001:db8:1:2::9", vr); w.Code != 403 || !strings.Contains(w.Body.String(), "expired") {
		t.Errorf("late: %d %s", w.Code, w.Body)
	}
}

func TestCaptchaPuzzle(t *testing.T) {
	h := newHarness(t, &Puzzle{Key: testKey, Code: func() string { return "40217" }})
	r := httptest.NewRequest("GET", "/login?client_id=x", nil)
	r.Header.Set("Accept", "text/html,application/xhtml+xml")
	r.Header.Set("X-Test-IP", "198.51.100.7")
	r.Header.Set("User-Agent", ua)
	w := httptest.NewRecorder()
	if !h.s.Respond(w, r, waf.ActionCaptcha) {
		t.Fatal("a browser got no page")
	}
	if w.Code != 405 || w.Header().Get("X-Amzn-Waf-Action") != "captcha" || !strings.Contains(w.Header().Get("Content-Security-Policy"), "'nonce-") {
		t.Fatalf("page: %d %v", w.Code, w.Header())
	}
	m := regexp.MustCompile(`<script id="pg-cfg" type="application/json" nonce="[^"]+">(.*?)</script>`).FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("no config in page:\n%s", w.Body)
	}
	var cfg struct {
		Puzzle, State, Return string
		Bits                  int
	}
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Return != "/login?client_id=x" {
		t.Errorf("return = %q", cfg.Return)
	}
	counter := Solve(cfg.Puzzle, cfg.Bits)
	if w := h.do("POST", Prefix+"/verify", "198.51.100.7", verifyRequest{cfg.Puzzle, counter, cfg.State, "99999"}); w.Code != 403 {
		t.Errorf("wrong answer accepted: %d", w.Code)
	}
	// The puzzle was spent by the wrong answer: a second guess needs a new one.
	if w := h.do("POST", Prefix+"/verify", "198.51.100.7", verifyRequest{cfg.Puzzle, counter, cfg.State, "40217"}); w.Code != 403 {
		t.Errorf("second guess on one puzzle: %d", w.Code)
	}
	h.s.spent = spent{}
	w = h.do("POST", Prefix+"/verify", "198.51.100.7", verifyRequest{cfg.Puzzle, counter, cfg.State, "40217"})
	if w.Code != 200 {
		t.Fatalf("right answer: %d %s", w.Code, w.Body)
	}
	tok := w.Result().Cookies()[0].Value
	if _, st := h.solved(tok, "198.51.100.7", ua, waf.ActionCaptcha); st != waf.TokenValid {
		t.Errorf("CAPTCHA token: %v", st)
	}
	if _, st := h.solved(tok, "198.51.100.7", ua, waf.ActionChallenge); st != waf.TokenValid {
		t.Errorf("a CAPTCHA solve should also pass challenges: %v", st)
	}
	// An API client gets nothing from Respond: the caller answers it.
	r.Header.Set("Accept", "application/json")
	if h.s.Respond(httptest.NewRecorder(), r, waf.ActionCaptcha) {
		t.Error("an API client got the page")
	}
}

func TestSiteVerify(t *testing.T) {
	var got []string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		got = append(got, r.Form.Get("secret")+"|"+r.Form.Get("response")+"|"+r.Form.Get("remoteip"))
		_, _ = w.Write([]byte(`{"success":` + map[bool]string{true: "true", false: "false"}[r.Form.Get("response") == "good"] + `}`))
	}))
	defer fake.Close()
	for _, p := range []string{"turnstile", "hcaptcha", "recaptcha"} {
		v, err := NewSiteVerify(p, "site", "sekrit")
		if err != nil {
			t.Fatal(err)
		}
		v.VerifyURL = fake.URL
		widget, _ := v.Widget(nil)
		if !strings.Contains(string(widget), `data-callback="pgAnswer"`) {
			t.Errorf("%s widget: %s", p, widget)
		}
		if ok, err := v.Verify(t.Context(), nil, "", "good", "192.0.2.1"); !ok || err != nil {
			t.Errorf("%s good: %v %v", p, ok, err)
		}
		if ok, _ := v.Verify(t.Context(), nil, "", "bad", "192.0.2.1"); ok {
			t.Errorf("%s bad accepted", p)
		}
	}
	if got[0] != "sekrit|good|192.0.2.1" {
		t.Errorf("form = %q", got[0])
	}
	if _, err := NewSiteVerify("recaptcha-v9", "a", "b"); err == nil {
		t.Error("unknown provider accepted")
	}
}

func TestNewNeedsLongKey(t *testing.T) {
	if _, err := New(Config{Key: []byte("short")}); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestSafeReturnStaysOnOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"/login?x=1":         "/login?x=1",
		"//evil.example":     "/",
		"/\t/evil.example/x": "/",
		"/\\evil.example":    "/",
		"/%09/evil":          "/%09/evil", // still a path: the browser does not decode it into the authority
		"https://evil":       "/",
		"/a\nb":              "/",
		"/\x7f":              "/",
		"///evil.example":    "/", // no host to parse, but a browser reads one
		"/%zz":               "/", // not a URL url.Parse reads
		"/a b":               "/a b",
	} {
		if got := safeReturn(in); got != want {
			t.Errorf("safeReturn(%q) = %q, want %q", in, got, want)
		}
	}
}
