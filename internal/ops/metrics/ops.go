package metrics

import (
	"maps"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/poolguard/poolguard/internal/rules/signals"
)

// ReloadStats is what RegisterReloads reads: server.Reloader implements it.
type ReloadStats interface {
	// Reloads returns the number of successful reloads.
	Reloads() int64
	// Failures returns the number of failed reloads.
	Failures() int64
	// LastReload returns when the running config was loaded and whether
	// the last reload attempt succeeded.
	LastReload() (at time.Time, ok bool)
}

// RegisterReloads exposes the config reload counters, whether the last
// reload succeeded, and when the running config was loaded (the names
// follow Prometheus' own prometheus_config_last_reload_*).
func RegisterReloads(reg prometheus.Registerer, r ReloadStats) {
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "poolguard_config_reload_failures_total",
			Help: "Reloads refused because the new config failed to load (the running one stays).",
		}, func() float64 { return float64(r.Failures()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "poolguard_config_reloads_total",
			Help: "Successful config reloads.",
		}, func() float64 { return float64(r.Reloads()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "poolguard_config_last_reload_successful",
			Help: "1 if the last config reload succeeded (or none was tried), 0 if it failed and an older config is running.",
		}, func() float64 { _, ok := r.LastReload(); return boolFloat(ok) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "poolguard_config_last_reload_success_timestamp_seconds",
			Help: "When the running config was loaded, in Unix seconds.",
		}, func() float64 { at, _ := r.LastReload(); return unixSeconds(at) }),
	)
}

// RegisterSecretRefreshFailures exposes the count of failed background
// refreshes of client secrets.
func RegisterSecretRefreshFailures(reg prometheus.Registerer, failures func() int64) {
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "poolguard_secret_refresh_failures_total",
		Help: "Failed background refreshes of client secrets (the last good secret stays in use).",
	}, func() float64 { return float64(failures()) }))
}

var (
	descListLoaded = prometheus.NewDesc("poolguard_ip_list_last_success_timestamp_seconds",
		"When each IP list's current contents were loaded, in Unix seconds (0 before the first load).", []string{"list"}, nil)
	descListEntries = prometheus.NewDesc("poolguard_ip_list_entries",
		"Prefixes in each IP list.", []string{"list"}, nil)
	descListFailures = prometheus.NewDesc("poolguard_ip_list_consecutive_failures",
		"Failed refreshes of each IP list since its last successful one.", []string{"list"}, nil)
)

// ipListCollector reports the IP lists' freshness at scrape time.
type ipListCollector struct {
	statuses func() map[string]signals.ListStatus
}

// RegisterIPLists exposes the freshness of the IP lists statuses returns
// (signals.Manager.Statuses): alert on
// time() - poolguard_ip_list_last_success_timestamp_seconds.
func RegisterIPLists(reg prometheus.Registerer, statuses func() map[string]signals.ListStatus) {
	reg.MustRegister(ipListCollector{statuses})
}

func (c ipListCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descListLoaded
	ch <- descListEntries
	ch <- descListFailures
}

func (c ipListCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.statuses()
	for _, name := range slices.Sorted(maps.Keys(st)) {
		s := st[name]
		ch <- prometheus.MustNewConstMetric(descListLoaded, prometheus.GaugeValue, unixSeconds(s.LoadedAt), name)
		ch <- prometheus.MustNewConstMetric(descListEntries, prometheus.GaugeValue, float64(s.Entries), name)
		ch <- prometheus.MustNewConstMetric(descListFailures, prometheus.GaugeValue, float64(s.Failures), name)
	}
}

// RegisterCertExpiry exposes when the public listener's certificate
// expires; notAfter reports false while there is none yet (ACME before the
// first handshake), and the series is then absent.
func RegisterCertExpiry(reg prometheus.Registerer, notAfter func() (time.Time, bool)) {
	reg.MustRegister(certCollector{notAfter})
}

var descCertExpiry = prometheus.NewDesc("poolguard_tls_certificate_expiry_timestamp_seconds",
	"When the certificate the public listener serves expires (its NotAfter), in Unix seconds.", nil, nil)

type certCollector struct {
	notAfter func() (time.Time, bool)
}

func (c certCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descCertExpiry }

func (c certCollector) Collect(ch chan<- prometheus.Metric) {
	if t, ok := c.notAfter(); ok {
		ch <- prometheus.MustNewConstMetric(descCertExpiry, prometheus.GaugeValue, unixSeconds(t))
	}
}

func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
