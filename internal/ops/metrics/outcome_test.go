package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

func TestOutcomeClass(t *testing.T) {
	tests := []struct {
		name string
		o    observe.Outcome
		want string
	}{
		{"forwarded", observe.Outcome{Forwarded: true, Verdict: allow(), Status: 400}, OutcomeForwarded},
		{"web ACL block", observe.Outcome{Verdict: &waf.Verdict{Action: waf.ActionBlock}, Status: 403, ErrorType: "ForbiddenException"}, OutcomeBlocked},
		{"hook block", observe.Outcome{Verdict: allow(), HookAction: "block", Status: 403, ErrorType: "ForbiddenException"}, OutcomeBlocked},
		{"captcha", observe.Outcome{Verdict: &waf.Verdict{Action: waf.ActionCaptcha}, Status: 405}, OutcomeChallenged},
		{"challenge", observe.Outcome{Verdict: &waf.Verdict{Action: waf.ActionChallenge}, Status: 202}, OutcomeChallenged},
		{"parse error before the web ACL", observe.Outcome{Status: 400, ErrorType: "SerializationException"}, OutcomeRefused},
		{"operation refused", observe.Outcome{Verdict: allow(), Status: 400, ErrorType: "NotAuthorizedException"}, OutcomeRefused},
		{"preflight", observe.Outcome{Status: 204}, OutcomeAnswered},
	}
	for _, tt := range tests {
		if got := outcomeClasses[outcomeClass(&tt.o)]; got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestRequestMetrics(t *testing.T) {
	m, _ := newTest(t, Options{})
	fwd := func(status int, errType string) *observe.Outcome {
		o := out("InitiateAuth", allow(), t0)
		o.UpstreamStatus, o.UpstreamErrorType, o.Duration = status, errType, 40*time.Millisecond
		return o
	}
	m.Observe(fwd(400, "TooManyRequestsException"))
	m.Observe(fwd(400, "TooManyRequestsException"))
	m.Observe(fwd(400, "NotAuthorizedException"))
	m.Observe(fwd(200, ""))
	m.Observe(fwd(0, "")) // the upstream never answered
	blocked := out("SignUp", &waf.Verdict{Action: waf.ActionBlock}, t0)
	blocked.Duration = 2 * time.Millisecond
	m.Observe(blocked)
	captcha := &waf.Verdict{Action: waf.ActionCaptcha, Captcha: waf.TokenResult{Checked: true, ResponseCode: 405, FailureReason: "TOKEN_EXPIRED"}}
	m.Observe(out("SignUp", captcha, t0))
	solved := allow()
	solved.Challenge = waf.TokenResult{Checked: true, SolveTimestamp: t0.Unix()}
	m.Observe(out("SignUp", solved, t0))

	for _, tt := range []struct {
		name      string
		got, want float64
	}{
		{"throttled", testutil.ToFloat64(m.req.upstreamErrors.WithLabelValues("TooManyRequestsException")), 2},
		{"not authorized", testutil.ToFloat64(m.req.upstreamErrors.WithLabelValues("NotAuthorizedException")), 1},
		{"no response", testutil.ToFloat64(m.req.upstreamErrors.WithLabelValues(UpstreamNoResponse)), 1},
		{"captcha expired", testutil.ToFloat64(m.req.captcha[2]), 1},
		{"challenge accepted", testutil.ToFloat64(m.req.challenge[0]), 1},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	body := scrape(t, m)
	for series, want := range map[string]float64{
		`poolguard_request_duration_seconds_count{outcome="forwarded"}`:              6,
		`poolguard_request_duration_seconds_bucket{outcome="forwarded",le="0.05"}`:   6,
		`poolguard_request_duration_seconds_bucket{outcome="forwarded",le="0.025"}`:  1, // the solved challenge, Duration 0
		`poolguard_request_duration_seconds_count{outcome="blocked"}`:                1,
		`poolguard_request_duration_seconds_count{outcome="challenged"}`:             1,
		`poolguard_challenge_outcomes_total{kind="captcha",outcome="TOKEN_EXPIRED"}`: 1,
	} {
		if got, ok := sample(body, series); !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
}

func TestInFlight(t *testing.T) {
	m, _ := newTest(t, Options{})
	var during float64
	h := m.InFlight(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		during = testutil.ToFloat64(m.req.inFlight)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil))
	if after := testutil.ToFloat64(m.req.inFlight); during != 1 || after != 0 {
		t.Errorf("in flight during %v, after %v; want 1, 0", during, after)
	}
}
