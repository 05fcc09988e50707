package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// Outcome classes of poolguard_request_duration_seconds.
const (
	// OutcomeForwarded: sent upstream (whatever Cognito answered).
	OutcomeForwarded = "forwarded"
	// OutcomeBlocked: the web ACL or the decision hook blocked it.
	OutcomeBlocked = "blocked"
	// OutcomeChallenged: answered with a CAPTCHA or Challenge.
	OutcomeChallenged = "challenged"
	// OutcomeRefused: the proxy answered a Cognito error itself (malformed
	// request, operation not allowed, limits, rate store failing closed).
	OutcomeRefused = "refused"
	// OutcomeAnswered: the proxy answered it without an error (CORS
	// preflight, challenge pages).
	OutcomeAnswered = "answered"
)

var outcomeClasses = [...]string{OutcomeForwarded, OutcomeBlocked, OutcomeChallenged, OutcomeRefused, OutcomeAnswered}

// UpstreamNoResponse is the error_type of poolguard_upstream_errors_total
// for a forwarded request the upstream never answered (connection refused,
// reset, timeout).
const UpstreamNoResponse = "NoResponse"

// tokenOutcomes are the outcome label values of
// poolguard_challenge_outcomes_total, indexed by tokenIndex.
var tokenOutcomes = [...]string{"accepted", "TOKEN_MISSING", "TOKEN_EXPIRED", "TOKEN_INVALID", "other"}

// requestMetrics are the per-request series that do not depend on the
// operation: duration by outcome class, requests in flight, upstream errors
// by Cognito error type, and CAPTCHA/Challenge token outcomes.
type requestMetrics struct {
	duration       [len(outcomeClasses)]prometheus.Observer
	inFlight       prometheus.Gauge
	upstreamErrors *prometheus.CounterVec
	upErrChild     cowMap[string, prometheus.Counter]
	captcha        [len(tokenOutcomes)]prometheus.Counter
	challenge      [len(tokenOutcomes)]prometheus.Counter
	collectors     []prometheus.Collector
}

func newRequestMetrics() *requestMetrics {
	r := &requestMetrics{}
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "poolguard_request_duration_seconds",
		Help:    "Time from reading a request to finishing its answer, by outcome class (forwarded, blocked, challenged, refused, answered).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"outcome"})
	for i, c := range outcomeClasses {
		r.duration[i] = duration.WithLabelValues(c)
	}
	r.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "poolguard_requests_in_flight",
		Help: "Requests on the public listener being processed now.",
	})
	r.upstreamErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poolguard_upstream_errors_total",
		Help: "Error answers from the upstream (Cognito), by the x-amzn-ErrorType it sent (TooManyRequestsException is Cognito throttling); NoResponse when it never answered.",
	}, []string{"error_type"})
	r.upErrChild = cowMap[string, prometheus.Counter]{limit: 200, overflow: func() prometheus.Counter {
		return r.upstreamErrors.WithLabelValues(OpOther)
	}}
	tokens := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poolguard_challenge_outcomes_total",
		Help: "Token checks of matching CAPTCHA and Challenge rules, by kind (captcha, challenge) and outcome (accepted, or AWS WAF's failure reason).",
	}, []string{"kind", "outcome"})
	for i, o := range tokenOutcomes {
		r.captcha[i] = tokens.WithLabelValues("captcha", o)
		r.challenge[i] = tokens.WithLabelValues("challenge", o)
	}
	r.collectors = []prometheus.Collector{duration, r.inFlight, r.upstreamErrors, tokens}
	return r
}

// outcomeClass returns the index in outcomeClasses of o's class.
func outcomeClass(o *observe.Outcome) int {
	switch {
	case o.Forwarded:
		return 0
	case o.Verdict != nil && o.Verdict.Action == waf.ActionBlock, o.HookAction == "block":
		return 1
	case o.Verdict != nil && (o.Verdict.Action == waf.ActionCaptcha || o.Verdict.Action == waf.ActionChallenge):
		return 2
	case o.ErrorType != "" || o.Status >= 400:
		return 3
	}
	return 4
}

func tokenIndex(t *waf.TokenResult) int {
	if t.ResponseCode == 0 && t.FailureReason == "" {
		return 0
	}
	for i, r := range tokenOutcomes[1 : len(tokenOutcomes)-1] {
		if t.FailureReason == r {
			return i + 1
		}
	}
	return len(tokenOutcomes) - 1
}

func (r *requestMetrics) observe(o *observe.Outcome) {
	r.duration[outcomeClass(o)].Observe(o.Duration.Seconds())
	if v := o.Verdict; v != nil {
		if v.Captcha.Checked {
			r.captcha[tokenIndex(&v.Captcha)].Inc()
		}
		if v.Challenge.Checked {
			r.challenge[tokenIndex(&v.Challenge)].Inc()
		}
	}
	if !o.Forwarded {
		return
	}
	et := o.UpstreamErrorType
	if o.UpstreamStatus == 0 {
		et = UpstreamNoResponse
	}
	if et != "" {
		r.upErrChild.get(et, func(t string) prometheus.Counter {
			return r.upstreamErrors.WithLabelValues(t)
		}).Inc()
	}
}

// InFlight wraps the public listener's handler so that
// poolguard_requests_in_flight counts the requests it is serving.
func (m *Metrics) InFlight(next http.Handler) http.Handler {
	g := m.req.inFlight
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.Inc()
		defer g.Dec()
		next.ServeHTTP(w, r)
	})
}
