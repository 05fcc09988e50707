package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/poolguard/poolguard/internal/edge/hook"
)

// hookCollector exposes the decision hook's counters, which live across
// reloads in the shared state.
type hookCollector struct {
	c                          *hook.Counters
	calls, decisions, failures *prometheus.Desc
}

func newHookCollector(c *hook.Counters) *hookCollector {
	return &hookCollector{
		c:         c,
		calls:     prometheus.NewDesc("poolguard_hook_calls_total", "Requests sent to the decision hook.", nil, nil),
		decisions: prometheus.NewDesc("poolguard_hook_decisions_total", "Decision hook decisions by action, on_error decisions included.", []string{"action"}, nil),
		failures:  prometheus.NewDesc("poolguard_hook_failures_total", "Decision hook calls that produced no answer, by reason.", []string{"reason"}, nil),
	}
}

// Describe sends the descriptors.
func (h *hookCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- h.calls
	ch <- h.decisions
	ch <- h.failures
}

// Collect sends the current counts.
func (h *hookCollector) Collect(ch chan<- prometheus.Metric) {
	s := h.c.Stats()
	ch <- prometheus.MustNewConstMetric(h.calls, prometheus.CounterValue, float64(s.Calls))
	for a, n := range s.Decisions {
		ch <- prometheus.MustNewConstMetric(h.decisions, prometheus.CounterValue, float64(n), string(a))
	}
	for f, n := range s.Failures {
		ch <- prometheus.MustNewConstMetric(h.failures, prometheus.CounterValue, float64(n), string(f))
	}
}
