package adminapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/poolguard/poolguard/internal/rules/ipsets"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

const token = "s3cret-token"

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	srv     *httptest.Server
	reg     *ipsets.Registry
	now     time.Time
	reloads int
	forced  bool
}

func newFixture(t *testing.T, tok string) *fixture {
	t.Helper()
	return newFixtureWith(t, Options{Token: tok})
}

func newFixtureWith(t *testing.T, o Options) *fixture {
	t.Helper()
	f := &fixture{now: t0}
	reg, err := ipsets.Open(context.Background(), ipsets.NewFile(t.TempDir()), t0)
	if err != nil {
		t.Fatal(err)
	}
	b := reg.Begin()
	b.Define("DenyList", []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")})
	b.Define("DenyListV4", nil)
	b.SetVersion("DenyListV4", "IPV4")
	b.Commit(t0)
	f.reg = reg
	o.IPSets = reg
	o.Now = func() time.Time { return f.now }
	o.Reload = func(_ context.Context, force bool) error {
		f.reloads++
		f.forced = force
		if f.reloads == 2 {
			return errors.New("config.yaml:3: waf.web_acl: no such file")
		}
		return nil
	}
	o.RateLimited = func(now time.Time) map[string][]ratelimit.OverKey {
		return map[string][]ratelimit.OverKey{"SignIn": {{Key: "203.0.113.9", Count: 150, Since: t0, Last: now}}}
	}
	h := New(o)
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) call(t *testing.T, method, path, auth, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAuth(t *testing.T) {
	off := newFixture(t, "")
	if code, _ := off.call(t, "GET", "/v1/ipsets", "Bearer anything", ""); code != 404 {
		t.Fatalf("API without a token: %d, want 404", code)
	}
	f := newFixture(t, token)
	tests := []struct {
		auth string
		want int
	}{
		{"", 401},
		{"Bearer wrong", 401},
		{"Bearer " + token + "x", 401},
		{"Basic " + token, 401},
		{"Bearer " + token, 200},
	}
	for _, tt := range tests {
		if code, body := f.call(t, "GET", "/v1/ipsets", tt.auth, ""); code != tt.want {
			t.Errorf("Authorization %q: %d %s, want %d", tt.auth, code, body, tt.want)
		}
	}
}

func TestIPSetRoutes(t *testing.T) {
	f := newFixture(t, token)
	auth := "Bearer " + token
	deny := f.reg.Begin().Sets()["DenyList"]
	ip := netip.MustParseAddr("198.51.100.7")

	code, body := f.call(t, "POST", "/v1/ipsets/DenyList", auth, `{"addresses": ["198.51.100.7/32"], "ttl": "1h"}`)
	if code != 200 || !strings.Contains(body, `"address":"198.51.100.7/32","source":"runtime","expires":"2025-03-01T13:00:00Z"`) {
		t.Fatalf("add: %d %s", code, body)
	}
	if !deny.Contains(ip) {
		t.Fatal("added address not in the set")
	}
	var list SetsResponse
	code, body = f.call(t, "GET", "/v1/ipsets", auth, "")
	if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil || len(list.IPSets) != 2 || list.IPSets[0].Size != 2 {
		t.Fatalf("list: %d %s", code, body)
	}
	// The TTL passes: the entry drops out.
	f.now = t0.Add(time.Hour)
	f.reg.Expire(f.now)
	if deny.Contains(ip) {
		t.Fatal("expired address still in the set")
	}
	if _, body = f.call(t, "GET", "/v1/ipsets", auth, ""); strings.Contains(body, "198.51.100.7") {
		t.Fatalf("list after expiry: %s", body)
	}
	// Remove a config address; then a runtime set.
	if code, body = f.call(t, "DELETE", "/v1/ipsets/DenyList", auth, `{"addresses": ["192.0.2.0/24"]}`); code != 200 || !strings.Contains(body, `"removed":[{"address":"192.0.2.0/24"`) {
		t.Fatalf("remove: %d %s", code, body)
	}
	if deny.Contains(netip.MustParseAddr("192.0.2.1")) {
		t.Fatal("removed config address still matches")
	}
	if code, body = f.call(t, "POST", "/v1/ipsets/Scanners", auth, `{"addresses": ["2001:db8::1"]}`); code != 404 ||
		!strings.Contains(body, `"known_sets":["DenyList","DenyListV4"]`) {
		t.Fatalf("add to a set the config does not define: %d %s", code, body)
	}
}

func TestValidation(t *testing.T) {
	f := newFixture(t, token)
	auth := "Bearer " + token
	tests := []struct {
		method, path, body string
		wantCode           int
		wantBody           string
	}{
		{"POST", "/v1/ipsets/DenyList", `{"addresses": ["198.51.100.7/32", "300.1.1.1/32", "nope"]}`, 400,
			`{"error":{"code":"InvalidAddress","message":"invalid address \"300.1.1.1/32\", \"nope\": want CIDR notation such as \"198.51.100.7/32\"","invalid":[{"index":1,"address":"300.1.1.1/32","reason":`},
		{"POST", "/v1/ipsets/DenyList", `{"addresses": ["198.51.100.7"], "ttl": "soon"}`, 400, `"code":"InvalidTTL"`},
		{"POST", "/v1/ipsets/DenyList", `{"addresses": []}`, 400, `"code":"InvalidRequest"`},
		{"POST", "/v1/ipsets/DenyList", `{"adresses": ["198.51.100.7"]}`, 400, `unknown field`},
		{"POST", "/v1/ipsets/bad%20name", `{"addresses": ["198.51.100.7"]}`, 404, `"code":"UnknownIPSet"`},
		{"DELETE", "/v1/ipsets/Nope", `{"addresses": ["198.51.100.7"]}`, 404, `"code":"UnknownIPSet"`},
		{"GET", "/v1/nope", ``, 404, `"code":"NotFound"`},
	}
	for _, tt := range tests {
		code, body := f.call(t, tt.method, tt.path, auth, tt.body)
		if code != tt.wantCode || !strings.Contains(body, tt.wantBody) {
			t.Errorf("%s %s %s: %d %s; want %d containing %s", tt.method, tt.path, tt.body, code, body, tt.wantCode, tt.wantBody)
		}
	}
}

func TestReloadAndRateLimits(t *testing.T) {
	f := newFixture(t, token)
	auth := "Bearer " + token
	if code, body := f.call(t, "POST", "/v1/reload", auth, ""); code != 200 || !strings.Contains(body, "reloaded") {
		t.Fatalf("reload: %d %s", code, body)
	}
	if code, body := f.call(t, "POST", "/v1/reload", auth, ""); code != 422 || !strings.Contains(body, "previous configuration stays in use") {
		t.Fatalf("failed reload: %d %s", code, body)
	}
	if f.forced {
		t.Fatal("a reload without force=true was forced")
	}
	if code, body := f.call(t, "POST", "/v1/reload?force=true", auth, ""); code != 200 || !f.forced {
		t.Fatalf("forced reload: %d %s, forced %v", code, body, f.forced)
	}
	if code, body := f.call(t, "POST", "/v1/reload?force=maybe", auth, ""); code != 400 || f.reloads != 3 {
		t.Fatalf("reload with force=maybe: %d %s after %d reloads; want 400 and no reload", code, body, f.reloads)
	}
	code, body := f.call(t, "GET", "/v1/ratelimits", auth, "")
	if code != 200 || !strings.Contains(body, `{"rules":[{"rule":"SignIn","keys":[{"key":"203.0.113.9","count":150,`) {
		t.Fatalf("ratelimits: %d %s", code, body)
	}
}

// Admin mistakes are refused and every change, accepted or refused, is on
// record: the token's name, what, when and the result, logged and counted.
func TestRefusalsAndAuditLog(t *testing.T) {
	var logs strings.Builder
	reg := prometheus.NewRegistry()
	f := newFixtureWith(t, Options{Token: token, TokenName: "ops-oncall", Tokens: map[string]string{"ci-bot": "ci-token-value"},
		Audit: slog.New(slog.NewJSONHandler(&logs, nil)), Registerer: reg})
	v4 := f.reg.Begin().Sets()["DenyListV4"]
	for _, tc := range []struct {
		auth, method, path, body string
		want                     int
		wantBody                 string
	}{
		{"Bearer " + token, "POST", "/v1/ipsets/NoSuchSet", `{"addresses": ["10.0.0.1"]}`, 404, `IP set \"NoSuchSet\" is not defined by this configuration; its IP sets: DenyList, DenyListV4`},
		{"Bearer " + token, "POST", "/v1/ipsets/DenyListV4", `{"addresses": ["198.51.100.7", "2001:db8::1"]}`, 400, `"reason":"not an IPv4 address; DenyListV4 holds IPV4 addresses only"`},
		{"Bearer " + token, "POST", "/v1/ipsets/DenyListV4", `{"addresses": ["::ffff:198.51.100.9"]}`, 200, `"198.51.100.9/32"`},
		{"Bearer ci-token-value", "POST", "/v1/ipsets/DenyListV4", `{"addresses": ["198.51.100.7/32"], "ttl": "1h"}`, 200, `"198.51.100.7/32"`},
		{"Bearer wrong", "DELETE", "/v1/ipsets/DenyListV4", `{"addresses": ["198.51.100.7/32"]}`, 401, `Unauthorized`},
		{"Bearer ci-token-value", "POST", "/v1/reload", ``, 200, `reloaded`},
	} {
		if code, body := f.call(t, tc.method, tc.path, tc.auth, tc.body); code != tc.want || !strings.Contains(body, tc.wantBody) {
			t.Errorf("%s %s %s: %d %s; want %d with %s", tc.method, tc.path, tc.body, code, body, tc.want, tc.wantBody)
		}
	}
	if v4.Contains(netip.MustParseAddr("2001:db8::1")) || !v4.Contains(netip.MustParseAddr("198.51.100.7")) {
		t.Error("the refused request changed the set, or the accepted one did not")
	}
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		recs = append(recs, m)
	}
	want := []struct{ token, action, result string }{
		{"ops-oncall", "ipset.add", "UnknownIPSet"}, {"ops-oncall", "ipset.add", "InvalidAddress"}, {"ops-oncall", "ipset.add", "ok"},
		{"ci-bot", "ipset.add", "ok"}, {"(none)", "ipset.remove", "Unauthorized"}, {"ci-bot", "reload", "ok"},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d audit records, want %d:\n%s", len(recs), len(want), logs.String())
	}
	for i, w := range want {
		r := recs[i]
		if r["token"] != w.token || r["action"] != w.action || r["result"] != w.result || r["time"] != t0.Format(time.RFC3339) {
			t.Errorf("record %d: %v, want %+v", i, r, w)
		}
	}
	if recs[3]["ip_set"] != "DenyListV4" || recs[3]["addresses"] != "198.51.100.7/32" || recs[3]["ttl"] != "1h" {
		t.Errorf("record 3 lacks what changed: %v", recs[3])
	}
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), "ci-token-value") {
		t.Error("a token value is in the audit log")
	}
	if got := testutil.ToFloat64(f.changes(t, reg, "ipset.add", "ok")); got != 2 {
		t.Errorf("poolguard_admin_changes_total{ipset.add,ok} = %v, want 2", got)
	}
	if got := testutil.ToFloat64(f.changes(t, reg, "ipset.remove", "Unauthorized")); got != 1 {
		t.Errorf("poolguard_admin_changes_total{ipset.remove,Unauthorized} = %v, want 1", got)
	}
}

// changes returns the change counter's series for action and result.
func (f *fixture) changes(t *testing.T, reg *prometheus.Registry, action, result string) prometheus.Collector {
	t.Helper()
	c := newChangeCounter(reg) // already registered: the existing counter
	if c == nil {
		t.Fatal("no change counter")
	}
	return c.WithLabelValues(action, result)
}
