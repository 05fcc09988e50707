package proxy

import (
	"testing"

	"github.com/poolguard/poolguard/internal/rules/breached"
	"github.com/poolguard/poolguard/internal/rules/outcome"
	"github.com/poolguard/poolguard/internal/rules/prefixset"
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
	for _, tc := range []struct {
		name string
		st   State
		want bool
	}{
		{"no web ACL", State{}, false},
		{"deny list", State{WAF: eng}, true},
		{"deny list, breached passwords", State{WAF: eng, Breached: &breached.Filter{}}, false},
		{"deny list, attack protection", State{WAF: eng, Outcomes: &outcome.Tracker{}}, false},
	} {
		if got := tc.st.decidesOnHead(); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
