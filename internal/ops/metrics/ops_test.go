package metrics

import (
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/signals"
)

type fakeReloads struct {
	at time.Time
	ok bool
}

func (f fakeReloads) Reloads() int64                { return 3 }
func (f fakeReloads) Failures() int64               { return 1 }
func (f fakeReloads) LastReload() (time.Time, bool) { return f.at, f.ok }

func TestOpsMetrics(t *testing.T) {
	m, _ := newTest(t, Options{})
	reg := m.Registry()
	RegisterReloads(reg, fakeReloads{t0, false})
	RegisterSecretRefreshFailures(reg, func() int64 { return 4 })
	RegisterIPLists(reg, func() map[string]signals.ListStatus {
		return map[string]signals.ListStatus{
			"tor":    {Entries: 1200, LoadedAt: t0, Failures: 2},
			"botnet": {},
		}
	})
	expiry := time.Time{}
	RegisterCertExpiry(reg, func() (time.Time, bool) { return expiry, !expiry.IsZero() })
	body := scrape(t, m)
	if _, ok := sample(body, "poolguard_tls_certificate_expiry_timestamp_seconds"); ok {
		t.Error("certificate expiry exported before there is a certificate")
	}
	for series, want := range map[string]float64{
		"poolguard_config_reloads_total":                                  3,
		"poolguard_config_reload_failures_total":                          1,
		"poolguard_config_last_reload_successful":                         0,
		"poolguard_config_last_reload_success_timestamp_seconds":          float64(t0.Unix()),
		"poolguard_secret_refresh_failures_total":                         4,
		`poolguard_ip_list_last_success_timestamp_seconds{list="tor"}`:    float64(t0.Unix()),
		`poolguard_ip_list_last_success_timestamp_seconds{list="botnet"}`: 0,
		`poolguard_ip_list_entries{list="tor"}`:                           1200,
		`poolguard_ip_list_consecutive_failures{list="tor"}`:              2,
	} {
		if got, ok := sample(body, series); !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	expiry = t0.Add(90 * 24 * time.Hour)
	if got, _ := sample(scrape(t, m), "poolguard_tls_certificate_expiry_timestamp_seconds"); got != float64(expiry.Unix()) {
		t.Errorf("certificate expiry %v, want %v", got, expiry.Unix())
	}
}
