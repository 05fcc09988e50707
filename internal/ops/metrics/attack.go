package metrics

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/rules/outcome"
)

// attackMetrics are the attack-protection series: Cognito's answers as the
// tracker classified them, and the labels it added by the web ACL's
// decision on the request.
type attackMetrics struct {
	answers    [len(outcome.Categories)][]prometheus.Counter // by category, then outcome.Kind
	labels     [len(outcome.Labels)][len(actions)]prometheus.Counter
	collectors []prometheus.Collector
}

func newAttackMetrics() *attackMetrics {
	a := &attackMetrics{}
	answers := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poolguard_outcome_answers_total",
		Help: "Cognito's answers to sign-in, account-recovery and SMS-sending calls as the attack protection classified them, " +
			"by category (sign_in, recovery, sms) and outcome (success, wrong_credentials, unknown_user, bad_code, throttled, sms_sent, email_sent, other_error, unclassified).",
	}, []string{"category", "outcome"})
	for i, c := range outcome.Categories {
		for _, k := range outcome.Kinds() {
			a.answers[i] = append(a.answers[i], answers.WithLabelValues(c, k))
		}
	}
	labels := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poolguard_outcome_labels_total",
		Help: "Requests the attack protection labelled (poolguard:outcome:*, poolguard:sms:budget-exhausted), by label and the web ACL's decision on them.",
	}, []string{"label", "decision"})
	for i, l := range outcome.Labels {
		for j, act := range actions {
			a.labels[i][j] = labels.WithLabelValues(l, act)
		}
	}
	a.collectors = []prometheus.Collector{answers, labels}
	return a
}

// observe counts o's classified answer and labels.
func (a *attackMetrics) observe(o *observe.Outcome) {
	x := o.Tracking
	if x == nil {
		return
	}
	c := x.Category()
	if c < 0 {
		return
	}
	if o.Forwarded && o.UpstreamStatus != 0 {
		a.answers[c][x.Kind].Inc()
	}
	act := actionIndex(o.Verdict)
	for _, l := range x.Added {
		if i := slices.Index(outcome.Labels[:], l); i >= 0 {
			a.labels[i][act].Inc()
		}
	}
}
