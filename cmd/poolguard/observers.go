package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/metrics"
	"github.com/poolguard/poolguard/internal/observe"
	"github.com/poolguard/poolguard/internal/server"
	"github.com/poolguard/poolguard/internal/waflog"
)

// observers are what every finished request is reported to: the WAF log
// (when configured) and the metrics.
type observers struct {
	observers observe.Observers
	metrics   *metrics.Metrics
	log       *waflog.Logger
}

// openObservers builds the WAF log and the metrics, and registers the
// shared state's own gauges with the metrics.
func openObservers(cfg *config.Config, sh *shared) (*observers, error) {
	o := &observers{}
	var dropped func() uint64
	if cfg.Logging.WAFLog != "" {
		l, err := waflog.New(waflog.Options{
			Destination: cfg.Logging.WAFLog, Headers: cfg.Logging.Headers, Buffer: cfg.Logging.Buffer,
			MaxSizeMB: cfg.Logging.MaxSizeMB, MaxFiles: cfg.Logging.MaxFiles,
			Region: cfg.Upstream.Region, Account: cfg.WAF.Account,
		})
		if err != nil {
			return nil, err
		}
		o.log, dropped = l, l.Dropped
		o.observers = append(o.observers, l)
	}
	m, err := metrics.New(metrics.Options{Quotas: cfg.Metrics.Quotas, Dropped: dropped})
	if err != nil {
		o.close()
		return nil, err
	}
	o.metrics = m
	o.observers = append(o.observers, m)
	registerShared(m.Registry(), sh)
	return o, nil
}

// registerShared exposes the shared state's health: the Redis guard and
// the secret refreshes.
func registerShared(reg *prometheus.Registry, sh *shared) {
	if g := sh.guard; g != nil {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "poolguard_ratelimit_fallbacks_total",
			Help: "Rate decisions taken on local counters because Redis was unreachable.",
		}, func() float64 { return float64(g.Fallbacks()) }))
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "poolguard_ratelimit_degraded",
			Help: "1 while Redis is unreachable and the failure policy applies.",
		}, func() float64 { return boolFloat(g.Degraded()) }))
	}
	if c := sh.deps.HookCounters; c != nil {
		reg.MustRegister(newHookCollector(c))
	}
	if s := sh.deps.Secrets; s != nil {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "poolguard_secret_refresh_failures_total",
			Help: "Failed background refreshes of client secrets (the last good secret stays in use).",
		}, func() float64 { return float64(s.RefreshFailures()) }))
	}
}

// registerReloads exposes the reload counters.
func registerReloads(reg *prometheus.Registry, r *server.Reloader) {
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "poolguard_config_reload_failures_total",
		Help: "Reloads refused because the new config failed to load (the running one stays).",
	}, func() float64 { return float64(r.Failures()) }))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "poolguard_config_reloads_total",
		Help: "Successful config reloads.",
	}, func() float64 { return float64(r.Reloads()) }))
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// close flushes and closes the WAF log.
func (o *observers) close() {
	if o.log != nil {
		_ = o.log.Close()
	}
}
