package metrics

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

var t0 = time.Date(2025, 3, 14, 15, 0, 0, 0, time.UTC)

// clock is a settable scrape clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTest(t testing.TB, opts Options) (*Metrics, *clock) {
	t.Helper()
	c := &clock{t0}
	opts.Now = c.now
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return m, c
}

func out(op string, v *waf.Verdict, at time.Time) *observe.Outcome {
	o := &observe.Outcome{Start: at, View: &request.View{Operation: op}, Verdict: v, Status: 200}
	if v == nil || v.Action == waf.ActionAllow {
		o.Forwarded, o.UpstreamOperation, o.UpstreamStatus, o.UpstreamLatency = true, op, 200, 30*time.Millisecond
	} else {
		o.Status, o.ErrorType = 403, "ForbiddenException"
	}
	return o
}

func allow() *waf.Verdict {
	return &waf.Verdict{Action: waf.ActionAllow, TerminatingRuleID: waf.DefaultActionID}
}

func TestObserveCounts(t *testing.T) {
	m, _ := newTest(t, Options{})
	counted := allow()
	counted.NonTerminating = []waf.RuleMatch{{RuleID: "RateLimitSignIn", Action: waf.ActionCount}}
	counted.RateBased = []waf.RateBasedMatch{{RuleName: "RateLimitSignIn", LimitKey: "IP", LimitValue: "192.0.2.1", MaxRateAllowed: 100, EvaluationWindowSec: 300}}
	blocked := &waf.Verdict{Action: waf.ActionBlock, TerminatingRuleID: "RateLimitSignIn", TerminatingRuleType: waf.RuleTypeRateBased,
		RateBased: []waf.RateBasedMatch{{RuleName: "RateLimitSignIn", LimitKey: "IP", LimitValue: "192.0.2.2", MaxRateAllowed: 100, EvaluationWindowSec: 300}}}

	m.Observe(out("InitiateAuth", allow(), t0))
	m.Observe(out("InitiateAuth", counted, t0))
	m.Observe(out("InitiateAuth", blocked, t0))
	m.Observe(out("SignUp", allow(), t0))
	m.Observe(out("", nil, t0))             // no operation, never reached the web ACL
	m.Observe(out("NoSuchOp", allow(), t0)) // unknown operation
	store := out("GetUser", allow(), t0)
	store.StoreError = true
	m.Observe(store)

	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"InitiateAuth ALLOW", testutil.ToFloat64(m.requests.WithLabelValues("InitiateAuth", "SignIn", "ALLOW")), 2},
		{"InitiateAuth BLOCK", testutil.ToFloat64(m.requests.WithLabelValues("InitiateAuth", "SignIn", "BLOCK")), 1},
		{"SignUp ALLOW", testutil.ToFloat64(m.requests.WithLabelValues("SignUp", "UserCreation", "ALLOW")), 1},
		{"none NONE", testutil.ToFloat64(m.requests.WithLabelValues(OpNone, "Default", ActionNone)), 1},
		{"other ALLOW", testutil.ToFloat64(m.requests.WithLabelValues(OpOther, "Default", "ALLOW")), 1},
		{"rule COUNT", testutil.ToFloat64(m.ruleMatches.WithLabelValues("RateLimitSignIn", "COUNT")), 1},
		{"rule BLOCK", testutil.ToFloat64(m.ruleMatches.WithLabelValues("RateLimitSignIn", "BLOCK")), 1},
		{"rate limited", testutil.ToFloat64(m.rateLimited.WithLabelValues("RateLimitSignIn")), 2},
		{"proxy errors", testutil.ToFloat64(m.proxyErrors.WithLabelValues("ForbiddenException")), 1},
		{"store errors", testutil.ToFloat64(m.storeErrors), 1},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if n := testutil.CollectAndCount(m.latency, "poolguard_upstream_latency_seconds"); n == 0 {
		t.Error("no latency series")
	}
	if got := testutil.ToFloat64(m.ruleMatches.WithLabelValues(waf.DefaultActionID, "ALLOW")); got != 0 {
		t.Error("the default action was counted as a rule match")
	}
}

func TestQuotaUtilisation(t *testing.T) {
	m, c := newTest(t, Options{Quotas: map[string]float64{"UserCreation": 10}})
	// 60 InitiateAuth per second for a minute (UserAuthentication, quota
	// 120), with one burst second of 108; 5 SignUp per second (quota
	// overridden to 10).
	for s := range 60 {
		at := t0.Add(time.Duration(s) * time.Second)
		n := 60
		if s == 30 {
			n = 108
		}
		for range n {
			m.Observe(out("InitiateAuth", allow(), at))
		}
		for range 5 {
			m.Observe(out("SignUp", allow(), at))
		}
	}
	// Blocked requests are not forwarded and do not count.
	m.Observe(out("InitiateAuth", &waf.Verdict{Action: waf.ActionBlock}, t0.Add(59*time.Second)))
	c.t = t0.Add(60 * time.Second) // the last 60 complete seconds, current one empty
	// Start the window at t0 by faking an old start.
	m.started = t0.Add(-time.Hour)

	body := scrape(t, m)
	checks := map[string]float64{
		`poolguard_cognito_quota_rps{quota="UserAuthentication"}`:                    120,
		`poolguard_cognito_quota_rps{quota="UserCreation"}`:                          10,
		`poolguard_cognito_forwarded_requests_total{quota="UserAuthentication"}`:     60*60 + 48,
		`poolguard_cognito_forwarded_requests_total{quota="UserCreation"}`:           5 * 60,
		`poolguard_cognito_quota_peak_utilization_ratio{quota="UserAuthentication"}`: 108.0 / 120,
		`poolguard_cognito_quota_peak_utilization_ratio{quota="UserCreation"}`:       0.5,
		`poolguard_cognito_quota_peak_utilization_ratio{quota="UserToken"}`:          0,
	}
	for series, want := range checks {
		got, ok := sample(body, series)
		if !ok {
			t.Errorf("%s missing", series)
			continue
		}
		if diff := got - want; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}

func TestWindow(t *testing.T) {
	var w secondWindow
	start := t0.Add(-time.Hour)
	for s := range 120 {
		for range s % 7 {
			w.add(t0.Add(time.Duration(s) * time.Second))
		}
	}
	w.add(t0) // over a minute late at this point: ignored
	now := t0.Add(119*time.Second + 500*time.Millisecond)
	rate, peak := w.stats(now, start)
	var sum, max int
	for s := 60; s < 120; s++ {
		sum += s % 7
		if s < 119 && s%7 > max {
			max = s % 7
		}
	}
	if want := float64(sum) / 59.5; rate != want || int(peak) != max {
		t.Errorf("rate %v peak %v, want %v %v", rate, peak, want, max)
	}
	// A young process divides by its age, not by a minute.
	var y secondWindow
	for range 10 {
		y.add(t0)
	}
	if r, _ := y.stats(t0.Add(2*time.Second), t0); r != 5 {
		t.Errorf("young rate %v, want 5", r)
	}
}

func TestRateLimitedKeysExpire(t *testing.T) {
	m, c := newTest(t, Options{})
	rb := func(ip string) *waf.Verdict {
		return &waf.Verdict{Action: waf.ActionBlock, TerminatingRuleID: "R",
			RateBased: []waf.RateBasedMatch{{RuleName: "R", LimitKey: "IP", LimitValue: ip, EvaluationWindowSec: 60}}}
	}
	m.Observe(out("InitiateAuth", rb("192.0.2.1"), t0))
	m.Observe(out("InitiateAuth", rb("192.0.2.2"), t0.Add(30*time.Second)))
	m.Observe(out("InitiateAuth", rb("192.0.2.1"), t0.Add(10*time.Second)))
	for _, tt := range []struct {
		at   time.Duration
		want float64
	}{{20 * time.Second, 2}, {75 * time.Second, 1}, {95 * time.Second, 0}} {
		c.t = t0.Add(tt.at)
		if got, _ := sample(scrape(t, m), `poolguard_rate_limited_keys{rule="R"}`); got != tt.want {
			t.Errorf("at +%v: %v keys, want %v", tt.at, got, tt.want)
		}
	}
}

func TestQuotaOverridesValidated(t *testing.T) {
	_, err := New(Options{Quotas: map[string]float64{"UserAuth": 1, "UserCreation": 0}})
	if err == nil || !strings.Contains(err.Error(), `"UserAuth"`) || !strings.Contains(err.Error(), "UserCreation") {
		t.Errorf("err = %v, want both problems named", err)
	}
}

func TestDroppedFromLogger(t *testing.T) {
	n := uint64(7)
	m, _ := newTest(t, Options{Dropped: func() uint64 { return n }})
	if got, _ := sample(scrape(t, m), "poolguard_waf_log_dropped_total"); got != 7 {
		t.Errorf("dropped = %v", got)
	}
}

func TestObserveDoesNotAllocate(t *testing.T) {
	m, _ := newTest(t, Options{})
	v := allow()
	v.NonTerminating = []waf.RuleMatch{{RuleID: "R1", Action: waf.ActionCount}}
	v.RateBased = []waf.RateBasedMatch{{RuleName: "R1", LimitKey: "IP", LimitValue: "192.0.2.1", EvaluationWindowSec: 300}}
	o := out("InitiateAuth", v, t0)
	m.Observe(o) // resolve children
	if n := testing.AllocsPerRun(1000, func() { m.Observe(o) }); n != 0 {
		t.Errorf("Observe allocates %v times", n)
	}
}

func BenchmarkObserve(b *testing.B) {
	m, _ := newTest(b, Options{})
	o := out("InitiateAuth", allow(), t0)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Observe(o)
		}
	})
}

// scrape GETs /metrics and returns the text exposition.
func scrape(t testing.TB, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// sample returns the value of the series written exactly as given.
func sample(body, series string) (float64, bool) {
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			if _, err := fmt.Sscan(rest, &f); err == nil {
				return f, true
			}
		}
	}
	return 0, false
}
