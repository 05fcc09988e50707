package metrics

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// Operation label values besides the operation names.
const (
	// OpNone labels requests that name no Cognito operation (Hosted UI
	// paths, requests without X-Amz-Target).
	OpNone = "none"
	// OpOther labels X-Amz-Target values that name no known operation.
	OpOther = "other"
	// ActionNone labels requests that never reached the web ACL.
	ActionNone = "NONE"
)

// actions are the action label values, indexed by actionIndex.
var actions = [...]string{string(waf.ActionAllow), string(waf.ActionBlock), string(waf.ActionCaptcha), string(waf.ActionChallenge), ActionNone}

func actionIndex(v *waf.Verdict) int {
	if v == nil {
		return 4
	}
	switch v.Action {
	case waf.ActionAllow:
		return 0
	case waf.ActionBlock:
		return 1
	case waf.ActionCaptcha:
		return 2
	case waf.ActionChallenge:
		return 3
	}
	return 4
}

// Options configures New.
type Options struct {
	// Quotas override cognito.DefaultQuotas, in requests per second by
	// quota category (e.g. {"UserAuthentication": 200} after a quota
	// increase). An unknown category or a non-positive value is an error.
	Quotas map[string]float64
	// Dropped reports the WAF log records dropped so far (waflog's
	// Logger.Dropped); nil reports 0.
	Dropped func() uint64
	// Now is the scrape-time clock for rates and expiries; nil is time.Now.
	Now func() time.Time
}

// Metrics is an observe.Observer that feeds Prometheus collectors, and the
// /metrics handler that exposes them. It is safe for concurrent use.
type Metrics struct {
	attack  *attackMetrics
	reg     *prometheus.Registry
	now     func() time.Time
	started time.Time

	ops   map[string]*opEntry
	none  *opEntry
	other *opEntry

	quotas []*quotaEntry // sorted by name

	requests     *prometheus.CounterVec
	ruleMatches  *prometheus.CounterVec
	rateLimited  *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	proxyErrors  *prometheus.CounterVec
	storeErrors  prometheus.Counter
	matchChild   cowMap[ruleKey, prometheus.Counter]
	limitedChild cowMap[string, prometheus.Counter]
	errorChild   cowMap[string, prometheus.Counter]
	hygiene      *prometheus.CounterVec
	hygieneChild cowMap[hygieneKey, prometheus.Counter]

	keys *limitedKeys
	req  *requestMetrics
}

// opEntry holds the pre-resolved children of one operation label.
type opEntry struct {
	name     string
	requests [len(actions)]prometheus.Counter
	quota    *quotaEntry // nil when the operation has no quota category
	latency  cowMap[int, prometheus.Observer]
}

type quotaEntry struct {
	name      string
	rps       float64
	window    secondWindow
	forwarded prometheus.Counter
}

type ruleKey struct {
	rule   string
	action waf.Action
}

// New returns Metrics registered on a fresh private registry, with Go
// runtime and process collectors.
func New(opts Options) (*Metrics, error) {
	quotas, err := mergeQuotas(opts.Quotas)
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	m := &Metrics{reg: prometheus.NewRegistry(), now: now, started: now(), keys: newLimitedKeys(), req: newRequestMetrics()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poolguard_requests_total",
		Help: "Requests finished, by Cognito operation, action category and web ACL action (NONE: never reached the web ACL).",
	}, []string{"operation", "category", "action"})
	m.ruleMatches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poolguard_rule_matches_total",
		Help: "Web ACL rule matches by rule and action; COUNT matches included, so rules in test mode are measurable.",
	}, []string{"rule", "action"})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poolguard_rate_limited_requests_total",
		Help: "Requests whose key was over a rate-based rule's limit, by rule (whatever the rule's action).",
	}, []string{"rule"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "poolguard_upstream_latency_seconds",
		Help:    "Time from sending a request upstream to the response headers, by upstream operation and upstream HTTP status.",
		Buckets: prometheus.DefBuckets,
	}, []string{"operation", "status"})
	m.proxyErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poolguard_proxy_errors_total",
		Help: "Requests the proxy answered itself with a Cognito error, by error type.",
	}, []string{"error_type"})
	m.hygiene = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poolguard_hygiene_checks_total",
		Help: "Sign-up hygiene checks by check (password, phone, email) and result: password clean/refused/breached_sign_in; " +
			"phone the line type, stored or invalid; email clean/disposable. No personal data.",
	}, []string{"check", "result"})
	m.storeErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "poolguard_rate_store_errors_total",
		Help: "Requests decided without the rate store because it failed.",
	})
	forwarded := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poolguard_cognito_forwarded_requests_total",
		Help: "Requests forwarded upstream, by Cognito quota category.",
	}, []string{"quota"})
	dropped := opts.Dropped
	if dropped == nil {
		dropped = func() uint64 { return 0 }
	}
	droppedFunc := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "poolguard_waf_log_dropped_total",
		Help: "WAF log records dropped because the log queue was full or the sink failed.",
	}, func() float64 { return float64(dropped()) })

	byQuota := map[string]*quotaEntry{}
	for _, name := range slices.Sorted(maps.Keys(quotas)) {
		q := &quotaEntry{name: name, rps: quotas[name], forwarded: forwarded.WithLabelValues(name)}
		byQuota[name] = q
		m.quotas = append(m.quotas, q)
	}
	m.ops = map[string]*opEntry{}
	for _, op := range cognito.Operations() {
		m.ops[op.Name] = m.newOp(op.Name, string(op.Category), byQuota[op.Quota])
	}
	m.none = m.newOp(OpNone, string(cognito.DefaultCategory), nil)
	m.other = m.newOp(OpOther, string(cognito.DefaultCategory), nil)

	m.matchChild = cowMap[ruleKey, prometheus.Counter]{limit: 1000, overflow: func() prometheus.Counter {
		return m.ruleMatches.WithLabelValues(OpOther, OpOther)
	}}
	m.limitedChild = cowMap[string, prometheus.Counter]{limit: 1000, overflow: func() prometheus.Counter {
		return m.rateLimited.WithLabelValues(OpOther)
	}}
	m.errorChild = cowMap[string, prometheus.Counter]{limit: 200, overflow: func() prometheus.Counter {
		return m.proxyErrors.WithLabelValues(OpOther)
	}}

	m.hygieneChild = cowMap[hygieneKey, prometheus.Counter]{limit: 100, overflow: func() prometheus.Counter {
		return m.hygiene.WithLabelValues(OpOther, OpOther)
	}}

	m.reg.MustRegister(m.requests, m.ruleMatches, m.rateLimited, m.latency, m.proxyErrors, m.hygiene,
		m.storeErrors, forwarded, droppedFunc, scrapeCollector{m},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.reg.MustRegister(m.req.collectors...)
	m.attack = newAttackMetrics()
	m.reg.MustRegister(m.attack.collectors...)
	return m, nil
}

func (m *Metrics) newOp(name, category string, q *quotaEntry) *opEntry {
	e := &opEntry{name: name, quota: q}
	for i, a := range actions {
		e.requests[i] = m.requests.WithLabelValues(name, category, a)
	}
	e.latency = cowMap[int, prometheus.Observer]{limit: 100, overflow: func() prometheus.Observer {
		return m.latency.WithLabelValues(name, OpOther)
	}}
	return e
}

// mergeQuotas applies overrides over cognito.DefaultQuotas.
func mergeQuotas(over map[string]float64) (map[string]float64, error) {
	q := maps.Clone(cognito.DefaultQuotas)
	var bad []string
	for _, k := range slices.Sorted(maps.Keys(over)) {
		v := over[k]
		if _, ok := q[k]; !ok {
			bad = append(bad, fmt.Sprintf("unknown quota category %q (valid: %s)", k, strings.Join(slices.Sorted(maps.Keys(cognito.DefaultQuotas)), ", ")))
			continue
		}
		if v <= 0 {
			bad = append(bad, fmt.Sprintf("quota %s: %v requests per second is not positive", k, v))
			continue
		}
		q[k] = v
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("metrics: %s", strings.Join(bad, "; "))
	}
	return q, nil
}

// op returns the entry for an operation name.
func (m *Metrics) op(name string) *opEntry {
	if name == "" {
		return m.none
	}
	if e, ok := m.ops[name]; ok {
		return e
	}
	return m.other
}

// Observe counts o. It implements observe.Observer.
func (m *Metrics) Observe(o *observe.Outcome) {
	opName := ""
	if o.View != nil {
		opName = o.View.Operation
	}
	m.op(opName).requests[actionIndex(o.Verdict)].Inc()
	m.req.observe(o)

	if v := o.Verdict; v != nil {
		if v.TerminatingRuleID != "" && v.TerminatingRuleID != waf.DefaultActionID {
			m.ruleMatch(v.TerminatingRuleID, v.Action)
		}
		for i := range v.NonTerminating {
			nt := &v.NonTerminating[i]
			a := nt.Action
			if a == "" {
				a = waf.ActionCount
			}
			m.ruleMatch(nt.RuleID, a)
		}
		for i := range v.RateBased {
			rb := &v.RateBased[i]
			m.limitedChild.get(rb.RuleName, func(r string) prometheus.Counter {
				return m.rateLimited.WithLabelValues(r)
			}).Inc()
			m.keys.add(rb.RuleName, rb.LimitValue, o.Start, rb.EvaluationWindowSec)
		}
	}
	m.observeHygiene(o)
	m.attack.observe(o)
	if o.ErrorType != "" {
		m.errorChild.get(o.ErrorType, func(t string) prometheus.Counter {
			return m.proxyErrors.WithLabelValues(t)
		}).Inc()
	}
	if o.StoreError {
		m.storeErrors.Inc()
	}
	if !o.Forwarded {
		return
	}
	up := o.UpstreamOperation
	if up == "" {
		up = opName
	}
	e := m.op(up)
	if e.quota != nil {
		e.quota.window.add(o.Start)
		e.quota.forwarded.Inc()
	}
	if o.UpstreamStatus != 0 {
		e.latency.get(o.UpstreamStatus, func(s int) prometheus.Observer {
			return m.latency.WithLabelValues(e.name, strconv.Itoa(s))
		}).Observe(o.UpstreamLatency.Seconds())
	}
}

func (m *Metrics) ruleMatch(rule string, a waf.Action) {
	m.matchChild.get(ruleKey{rule, a}, func(k ruleKey) prometheus.Counter {
		return m.ruleMatches.WithLabelValues(k.rule, string(k.action))
	}).Inc()
}

// Handler returns the /metrics handler (Prometheus text or OpenMetrics,
// as the scraper asks).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, EnableOpenMetrics: true})
}

// Registry returns the private registry, for tests and for registering
// further collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// hygieneKey is one child of poolguard_hygiene_checks_total.
type hygieneKey struct{ check, result string }

// observeHygiene counts the sign-up hygiene checks o records.
func (m *Metrics) observeHygiene(o *observe.Outcome) {
	if o.View == nil {
		return
	}
	h := &o.View.Hygiene
	for _, k := range [...]hygieneKey{{"password", h.Password}, {"phone", h.Phone}, {"email", h.Email}} {
		if k.result == "" {
			continue
		}
		m.hygieneChild.get(k, func(k hygieneKey) prometheus.Counter {
			return m.hygiene.WithLabelValues(k.check, k.result)
		}).Inc()
	}
}
