package waf

import (
	"context"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// A JsonBody rule gives the same answer whether the proxy already parsed
// the body (View.Parsed, as cognito.Parse leaves it) or not, and a body
// over the inspection limit is read truncated, not from the whole parse.
func TestJSONBodyUsesTheParsedView(t *testing.T) {
	stmt := `{"ByteMatchStatement":{"SearchString":"victim","FieldToMatch":{"JsonBody":{"MatchPattern":{"IncludedPaths":["/AuthParameters/USERNAME"]},"MatchScope":"VALUE","InvalidFallbackBehavior":"NO_MATCH","OversizeHandling":"CONTINUE"}},"TextTransformations":[{"Priority":0,"Type":"NONE"}],"PositionalConstraint":"EXACTLY"}}`
	e, err := New([]byte(rulesDoc(ruleJSON("r", 0, stmt, block))), Options{BodyInspectionLimit: 64})
	if err != nil {
		t.Fatal(err)
	}
	small := `{"AuthParameters":{"USERNAME":"victim"}}`
	large := `{"Pad":"` + strings.Repeat("x", 80) + `","AuthParameters":{"USERNAME":"victim"}}`
	for _, tc := range []struct {
		name, body string
		want       bool
	}{{"small", small, true}, {"over the limit", large, false}} {
		for _, parsed := range []bool{false, true} {
			v := (&testRequest{Method: "POST", URI: "/", Body: tc.body}).view()
			if parsed {
				v.BodyValidJSON, v.Parsed = true, gjson.ParseBytes(v.Body)
			}
			var out Verdict
			if err := e.Evaluate(context.Background(), testStart, v, &out); err != nil {
				t.Fatal(err)
			}
			if got := out.TerminatingRuleID == "r"; got != tc.want {
				t.Errorf("%s (parsed %v): matched %v, want %v", tc.name, parsed, got, tc.want)
			}
		}
	}
}
