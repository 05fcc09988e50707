package config

import (
	"strings"
	"testing"
	"time"
)

func TestSignalsSection(t *testing.T) {
	cfg, err := Parse("t.yaml", []byte(`upstream: {region: us-east-1}
signals:
  ip_lists:
    - {name: firehol, label: "awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList", source: "https://iplists.firehol.org/files/firehol_level1.netset", format: netset, refresh: 6h}
  geo: {database: /var/lib/GeoLite2-City.mmdb}
  key_hash_secret: env:POOLGUARD_KEY_HASH
  challenge: {token_secret: "file:/run/secrets/waf-token", captcha: {provider: turnstile, site_key: 0x4AAA, secret: "env:TURNSTILE_SECRET"}}
`))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Signals
	if len(s.IPLists) != 1 || s.IPLists[0].Refresh != 6*time.Hour || !s.BotsEnabled() || s.Challenge.Captcha.Provider != "turnstile" {
		t.Fatalf("signals = %+v", s)
	}
	_, err = Parse("t.yaml", []byte(`upstream: {region: us-east-1}
signals:
  ip_lists:
    - {name: a, label: AWSManagedIPReputationList, source: x, format: csv}
    - {name: a, label: "awswaf:managed:aws:anonymous-ip-list:AnonymousIPList", source: "", format: tor}
  challenge: {difficulty: 40, captcha: {provider: hcaptcha}}
`))
	for _, want := range []string{
		"signals.ip_lists[0].label", `signals.ip_lists[0].format: "csv" is not one of`, `signals.ip_lists[1].name: duplicate`,
		"signals.ip_lists[1].source", "signals.challenge.difficulty", "signals.challenge.captcha.site_key", "signals.challenge.captcha.secret",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v\nwant it to mention %q", err, want)
		}
	}
}
