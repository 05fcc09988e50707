package proxy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/poolguard/poolguard/internal/rules/breached"
	"github.com/poolguard/poolguard/internal/rules/outcome"
	"github.com/poolguard/poolguard/internal/rules/prefixset"
	"github.com/poolguard/poolguard/internal/rules/signals"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// TestDecidesOnHead: a web ACL that can block on the head refuses on the
// head only when nothing before it labels requests from their body: the
// breached-password check and the attack-protection tracker turn it off.
func TestDecidesOnHead(t *testing.T) {
	set, err := prefixset.Parse("denied", []string{"198.51.100.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := waf.New([]byte(`{"Name":"acl","DefaultAction":{"Allow":{}},"Rules":[{"Name":"DenyList","Priority":0,`+
		`"Statement":{"IPSetReferenceStatement":{"ARN":"arn:aws:wafv2:us-east-1:000000000000:regional/ipset/denied/1"}},`+
		`"Action":{"Block":{}},"VisibilityConfig":{"SampledRequestsEnabled":false,"CloudWatchMetricsEnabled":false,"MetricName":"d"}}]}`),
		waf.Options{IPSets: map[string]*prefixset.Set{"denied": set}})
	if err != nil {
		t.Fatal(err)
	}
	list := func(format signals.Format, body string) *signals.Signals {
		t.Helper()
		src := filepath.Join(t.TempDir(), "list.txt")
		if err := os.WriteFile(src, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := signals.NewList(signals.ListConfig{Name: "l", Label: "poolguard:list:l", Source: src, Format: format})
		if err != nil {
			t.Fatal(err)
		}
		return signals.New([]*signals.List{l}, nil, false)
	}
	for _, tc := range []struct {
		name string
		st   State
		want bool
	}{
		{"no web ACL", State{}, false},
		{"deny list", State{WAF: eng}, true},
		{"deny list, breached passwords", State{WAF: eng, Breached: &breached.Filter{}}, false},
		{"deny list, attack protection", State{WAF: eng, Outcomes: &outcome.Tracker{}}, false},
		// An IP list labels from the address alone; an e-mail domain list
		// labels from the body's address, which the head does not have.
		{"deny list, IP list", State{WAF: eng, Signals: list(signals.FormatCIDR, "203.0.113.0/24\n")}, true},
		{"deny list, e-mail domain list", State{WAF: eng, Signals: list(signals.FormatDomains, "mailinator.com\n")}, false},
	} {
		if got := tc.st.decidesOnHead(); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
