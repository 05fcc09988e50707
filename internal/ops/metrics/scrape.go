package metrics

import (
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	descQuota = prometheus.NewDesc("poolguard_cognito_quota_rps",
		"Cognito request-rate quota, in requests per second, by quota category (defaults from Cognito's published quotas, overridable in config).",
		[]string{"quota"}, nil)
	descPeak = prometheus.NewDesc("poolguard_cognito_quota_peak_utilization_ratio",
		"Busiest complete second of the last minute as a ratio of the Cognito quota, by quota category.",
		[]string{"quota"}, nil)
	descKeys = prometheus.NewDesc("poolguard_rate_limited_keys",
		"Distinct keys (e.g. client IPs) over a rate-based rule's limit within the rule's evaluation window, by rule.",
		[]string{"rule"}, nil)
)

// scrapeCollector computes the quota and rate-limited-key gauges when
// Prometheus scrapes.
type scrapeCollector struct{ m *Metrics }

func (c scrapeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQuota, descPeak, descKeys} {
		ch <- d
	}
}

func (c scrapeCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.m.now()
	for _, q := range c.m.quotas {
		_, peak := q.window.stats(now, c.m.started)
		ch <- prometheus.MustNewConstMetric(descQuota, prometheus.GaugeValue, q.rps, q.name)
		ch <- prometheus.MustNewConstMetric(descPeak, prometheus.GaugeValue, float64(peak)/q.rps, q.name)
	}
	for rule, n := range c.m.keys.count(now) {
		ch <- prometheus.MustNewConstMetric(descKeys, prometheus.GaugeValue, float64(n), rule)
	}
}

// maxKeysPerRule bounds the keys remembered per rule, as AWS WAF bounds the
// addresses one rate-based rule limits (10,000).
const maxKeysPerRule = 10000

// limitedKeys remembers, per rate-based rule, the keys seen over the limit
// and until when they count. Only over-limit requests reach it. It is safe
// for concurrent use.
type limitedKeys struct {
	mu    sync.Mutex
	rules map[string]*ruleKeys
}

type ruleKeys struct {
	until    map[string]time.Time
	overflow time.Time // while in the future, the rule had more keys than remembered
}

func newLimitedKeys() *limitedKeys { return &limitedKeys{rules: map[string]*ruleKeys{}} }

func (k *limitedKeys) add(rule, key string, at time.Time, windowSec int64) {
	if windowSec <= 0 {
		windowSec = 300
	}
	until := at.Add(time.Duration(windowSec) * time.Second)
	k.mu.Lock()
	defer k.mu.Unlock()
	r := k.rules[rule]
	if r == nil {
		r = &ruleKeys{until: map[string]time.Time{}}
		k.rules[strings.Clone(rule)] = r
	}
	if old, ok := r.until[key]; ok {
		if until.After(old) {
			r.until[key] = until
		}
		return
	}
	if len(r.until) >= maxKeysPerRule {
		r.overflow = until
		return
	}
	r.until[strings.Clone(key)] = until // the Outcome's strings may be reused
}

// count drops expired keys and returns the live ones per rule.
func (k *limitedKeys) count(now time.Time) map[string]int {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make(map[string]int, len(k.rules))
	for rule, r := range k.rules {
		for key, until := range r.until {
			if !until.After(now) {
				delete(r.until, key)
			}
		}
		out[rule] = len(r.until)
	}
	return out
}
