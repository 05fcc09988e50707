package rulecheck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/rules/presets"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/rules/rulecheck"
	"github.com/poolguard/poolguard/internal/rules/waf"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
)

// caseFile is testdata/presets/<preset>.json: the preset's parameters,
// optional file rules next to it, and requests with the decision both the
// proxy and the tester must reach.
type caseFile struct {
	Params map[string]any    `json:"params"`
	IPSets json.RawMessage   `json:"ipSets"`
	Rules  json.RawMessage   `json:"rules"`
	Cases  []caseWithOutcome `json:"cases"`
}

type caseWithOutcome struct {
	Request rulecheck.Request `json:"request"`
	Want    struct {
		Action            waf.Action `json:"action"`
		TerminatingRuleID string     `json:"terminatingRuleId"`
		Label             string     `json:"label"` // one label the verdict must carry
	} `json:"want"`
}

// caseConfig serves the preset behind a trusted local proxy, with an IP
// list, a geo database and bot signals, so every signal stage matters.
const caseConfig = `
upstream: {endpoint: UPSTREAM, region: us-east-1}
trusted_proxies: [127.0.0.1/32]
clients: [{client_id: app1, user_pool_id: us-east-1_pool, client_secret: env:POOLGUARD_TEST_UNSET_SECRET}]
signals:
  ip_lists: [{name: reputation, label: "awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList", source: reputation.txt, format: cidr}]
  geo: {database: city.mmdb}
  bot_signals: true
  key_hash_secret: hash-key-for-tests-only-0123456789
waf:
  web_acl: rules.json
  presets: [{name: PRESET, params: PARAMS}]
  ip_sets: IPSETS
`

// Every preset's cases give the same verdict, terminating rule and labels
// through the live handler (over HTTP, observed as the WAF log sees them)
// and through the rule tester, and the verdict each case expects. The
// tester runs without the client's real secret (its env variable is unset).
func TestTesterEqualsProxyForEveryPreset(t *testing.T) {
	for _, name := range presets.Names() {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "presets", name+".json"))
			if err != nil {
				t.Fatalf("every preset needs cases: %v", err)
			}
			var cf caseFile
			if err := json.Unmarshal(data, &cf); err != nil {
				t.Fatal(err)
			}
			if len(cf.Cases) == 0 {
				t.Fatal("no cases")
			}
			compare(t, name, &cf)
		})
	}
}

func compare(t *testing.T, preset string, cf *caseFile) {
	dir := t.TempDir()
	params, _ := json.Marshal(cf.Params)
	rules := cf.Rules
	if len(rules) == 0 {
		rules = json.RawMessage(`[]`)
	}
	proxytest.WriteFile(t, filepath.Join(dir, "rules.json"), string(rules))
	proxytest.WriteFile(t, filepath.Join(dir, "reputation.txt"), "203.0.113.0/24\n")
	writeGeoDB(t, filepath.Join(dir, "city.mmdb"), map[string]string{"81.2.69.0/24": "GB", "198.51.100.0/24": "US", "192.0.2.0/24": "US"})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) }))
	t.Cleanup(up.Close)
	sets := "[]"
	if len(cf.IPSets) > 0 {
		var b bytes.Buffer
		if err := json.Compact(&b, cf.IPSets); err != nil {
			t.Fatal(err)
		}
		sets = b.String()
	}
	yaml := strings.NewReplacer("UPSTREAM", up.URL, "PRESET", preset, "PARAMS", string(params), "IPSETS", sets).Replace(caseConfig)
	cfg := proxytest.Load(t, dir, yaml)

	// The tester: an offline build, without the client secret.
	offline, err := server.BuildState(context.Background(), cfg, server.Deps{Store: ratelimit.NewMemory(), Offline: true})
	if err != nil {
		t.Fatalf("offline build: %v", err)
	}
	reqs := make([]rulecheck.Request, len(cf.Cases))
	for i, c := range cf.Cases {
		reqs[i] = behindLocalProxy(c.Request)
	}
	got, err := rulecheck.RunRequests(offline, reqs, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The proxy: served, with a secret, over HTTP.
	t.Setenv("POOLGUARD_TEST_UNSET_SECRET", "real-client-secret-value")
	cfg = proxytest.Load(t, dir, yaml)
	rec := &recorder{ch: make(chan verdict, 1)}
	srv, _ := proxytest.Serve(t, cfg, server.Deps{}, nil, rec)
	for i, c := range cf.Cases {
		live := sendAll(t, srv.URL, reqs[i], rec)
		checkCase(t, c, got[i], live)
	}
}

// behindLocalProxy makes r arrive through the trusted local proxy, as the
// test's HTTP requests do.
func behindLocalProxy(r rulecheck.Request) rulecheck.Request {
	h := map[string]string{}
	for k, v := range r.Headers {
		h[k] = v
	}
	h["X-Forwarded-For"] = r.ClientIP
	if r.ClientIP == "" {
		h["X-Forwarded-For"] = rulecheck.DefaultClientIP
	}
	r.Headers, r.ClientIP = h, "127.0.0.1"
	return r
}

// verdict is what the live handler decided, copied from the observer.
type verdict struct {
	seen   bool
	action waf.Action
	rule   string
	labels []string
	status int
}

// recorder hands each finished request's verdict to the test.
type recorder struct{ ch chan verdict }

func (r *recorder) Observe(o *observe.Outcome) {
	v := verdict{status: o.Status}
	if o.Verdict != nil {
		v = verdict{seen: true, action: o.Verdict.Action, rule: o.Verdict.TerminatingRuleID,
			labels: slices.Clone(o.Verdict.Labels), status: o.Status}
	}
	r.ch <- v
}

// take waits (bounded) for the verdict of the request just answered: the
// handler reports it after writing the answer.
func (r *recorder) take(t *testing.T) verdict {
	select {
	case v := <-r.ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("the proxy reported no finished request")
	}
	return verdict{}
}

// sendAll sends r (Repeat times) to the proxy and returns the last verdict.
func sendAll(t *testing.T, url string, r rulecheck.Request, rec *recorder) verdict {
	var v verdict
	for range max(r.Repeat, 1) {
		body := []byte(r.Body)
		if len(r.BodyJSON) > 0 {
			body = r.BodyJSON
		}
		req, err := http.NewRequest(cmp(r.Method, http.MethodPost), url+cmp(r.URI, "/"), bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, val := range r.Headers {
			req.Header.Set(k, val)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		v = rec.take(t)
	}
	return v
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func checkCase(t *testing.T, c caseWithOutcome, got rulecheck.Result, live verdict) {
	t.Helper()
	name := c.Request.Name
	liveAction, liveRule := waf.ActionAllow, ""
	if live.seen {
		liveAction, liveRule = live.action, live.rule
	}
	testerRule := got.TerminatingRuleID
	if !live.seen {
		testerRule = "" // the web ACL never saw it: the tester reports no rule either
	}
	if got.Action != liveAction || testerRule != liveRule || !slices.Equal(got.Labels, nonNil(live.labels)) {
		t.Errorf("%s: tester %s %s %v, proxy %s %s %v", name, got.Action, got.TerminatingRuleID, got.Labels, liveAction, liveRule, live.labels)
	}
	if got.Action != c.Want.Action || c.Want.TerminatingRuleID != "" && got.TerminatingRuleID != c.Want.TerminatingRuleID {
		t.Errorf("%s: %s %s, the case wants %s %s", name, got.Action, got.TerminatingRuleID, c.Want.Action, c.Want.TerminatingRuleID)
	}
	if c.Want.Label != "" && !slices.Contains(got.Labels, c.Want.Label) {
		t.Errorf("%s: labels %v lack %s", name, got.Labels, c.Want.Label)
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// writeGeoDB writes a small City-shaped database mapping each CIDR to a
// country.
func writeGeoDB(t testing.TB, path string, nets map[string]string) {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-City", RecordSize: 24, IPVersion: 6, IncludeReservedNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, cc := range nets {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(n, mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String(cc)}}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	proxytest.WriteFile(t, path, buf.String())
}
