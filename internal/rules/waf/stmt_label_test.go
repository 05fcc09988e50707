package waf

import (
	"context"
	"testing"

	"github.com/poolguard/poolguard/internal/edge/request"
)

func TestLabelMatchStatement(t *testing.T) {
	labeller := `{"Name":"tagger","Priority":0,"Statement":` + pathIs("/t") + `,"Action":{"Count":{}},"RuleLabels":[{"Name":"ns1:ns2:hit"}]}`
	for _, tt := range []struct {
		scope, key string
		want       bool
	}{
		{"LABEL", "ns1:ns2:hit", true},
		{"LABEL", "awswaf:000000000000:webacl:acl:ns1:ns2:hit", true},
		{"LABEL", "hit", false},
		// LABEL scope is an exact match: a key that is a prefix of the
		// label ("bot" against "botnet") does not match.
		{"LABEL", "ns1:ns2:hi", false},
		{"LABEL", "ns1:ns2", false},
		{"LABEL", "ns1", false},
		{"LABEL", "awswaf:000000000000:webacl:acl:ns1:ns2:hi", false},
		{"NAMESPACE", "ns1:", true},
		{"NAMESPACE", "ns1:ns2:", true},
		{"NAMESPACE", "awswaf:000000000000:webacl:acl:ns1:", true},
		{"NAMESPACE", "ns2:", false},
		{"NAMESPACE", "ns1:ns2:hit:", false},
		{"NAMESPACE", "awswaf:managed:aws:amazon-ip-list:", false},
	} {
		t.Run(tt.scope+" "+tt.key, func(t *testing.T) {
			stmt := `{"LabelMatchStatement":{"Scope":"` + tt.scope + `","Key":"` + tt.key + `"}}`
			runStmtCases(t, stmt, []string{labeller}, testOptions(), []stmtCase{
				{"labelled", testRequest{URI: "/t"}, tt.want},
				{"not labelled", testRequest{URI: "/u"}, false},
			})
		})
	}
}

func TestLabelsVisibleToLaterRulesOnly(t *testing.T) {
	// The reader has a lower priority number than the labeller, so it runs
	// first and must not see the label.
	reader := ruleJSON("reader", 0, `{"LabelMatchStatement":{"Scope":"LABEL","Key":"x"}}`, block)
	labeller := `{"Name":"tagger","Priority":1,"Statement":` + pathIs("/") + `,"Action":{"Count":{}},"RuleLabels":[{"Name":"x"}]}`
	runStmtCases(t, `{"LabelMatchStatement":{"Scope":"LABEL","Key":"x"}}`, []string{reader, labeller}, testOptions(), []stmtCase{
		{"later rule sees it", testRequest{URI: "/"}, true},
	})
}

// TestProxyLabelsAreFullyQualified: labels the proxy's stages add before
// the web ACL ("poolguard:phone:region:JM") match keys in the poolguard:
// namespace as written, not under the web ACL's namespace.
func TestProxyLabelsAreFullyQualified(t *testing.T) {
	for _, tt := range []struct {
		scope, key string
		want       bool
	}{
		{"LABEL", "poolguard:phone:region:JM", true},
		{"NAMESPACE", "poolguard:phone:region:", true},
		{"NAMESPACE", "poolguard:", true},
		{"LABEL", "poolguard:phone:region:US", false},
		{"LABEL", "phone:region:JM", false},
	} {
		acl := `{"Name":"acl","DefaultAction":{"Allow":{}},"VisibilityConfig":{"SampledRequestsEnabled":false,"CloudWatchMetricsEnabled":false,"MetricName":"acl"},"Rules":[` +
			ruleJSON("r", 0, `{"LabelMatchStatement":{"Scope":"`+tt.scope+`","Key":"`+tt.key+`"}}`, block) + `]}`
		e, err := New([]byte(acl), Options{})
		if err != nil {
			t.Fatal(err)
		}
		var out Verdict
		v := &request.View{Method: "POST", Path: "/", Labels: []string{"poolguard:phone:sms", "poolguard:phone:region:JM"}}
		if err := e.Evaluate(context.Background(), testStart, v, &out); err != nil {
			t.Fatal(err)
		}
		if got := out.Action == ActionBlock; got != tt.want {
			t.Errorf("%s %s: matched %v, want %v", tt.scope, tt.key, got, tt.want)
		}
	}
}
