package waf

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
)

// headOf is v as the proxy knows it before reading the body: no body and
// none of the fields the body's parse fills.
func headOf(v *request.View) *request.View {
	h := *v
	h.Body, h.BodyValidJSON, h.ClientID, h.Operation = nil, false, "", ""
	return &h
}

// fastEvaluate is what the handler does: EvaluateHead on the head and,
// when it does not decide, EvaluateMemo on the whole request.
func fastEvaluate(t *testing.T, e *Engine, now time.Time, v *request.View, out *Verdict, memo *Memo) (fast bool) {
	t.Helper()
	memo.Reset()
	decided, err := e.EvaluateHead(context.Background(), now, headOf(v), out, memo)
	if err != nil {
		t.Fatal(err)
	}
	if decided {
		return true
	}
	if err := e.EvaluateMemo(context.Background(), now, v, out, memo); err != nil {
		t.Fatal(err)
	}
	return false
}

// TestEvaluateHeadMatchesEvaluate replays every conformance case twice, on
// two stores: once through Evaluate, once through EvaluateHead and, when it
// does not decide, EvaluateMemo. Every verdict and every rate counter must
// be the same: the fast path answers what the full path answers and counts
// what it counts.
func TestEvaluateHeadMatchesEvaluate(t *testing.T) {
	dirs, err := filepath.Glob("testdata/conformance/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no conformance cases: %v", err)
	}
	fastTotal := 0
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var sets testSets
			if b, err := os.ReadFile(filepath.Join(dir, "sets.json")); err == nil {
				decodeStrict(t, b, &sets)
			}
			rules := readFile(t, filepath.Join(dir, "rules.json"))
			slowStore, fastStore := newFakeStore(), newFakeStore()
			slow, err := New(rules, sets.options(t, slowStore))
			if err != nil {
				t.Fatal(err)
			}
			fast, err := New(rules, sets.options(t, fastStore))
			if err != nil {
				t.Fatal(err)
			}
			var reqs []testRequest
			decodeStrict(t, readFile(t, filepath.Join(dir, "requests.json")), &reqs)
			var a, b Verdict
			var memo Memo
			for i, r := range reqs {
				v := r.view()
				now := testStart.Add(time.Duration(r.At * float64(time.Second)))
				for range max(r.Repeat, 1) {
					if err := slow.Evaluate(context.Background(), now, v, &a); err != nil {
						t.Fatal(err)
					}
					if fastEvaluate(t, fast, now, v, &b, &memo) {
						fastTotal++
						if b.Action != ActionBlock {
							t.Errorf("request %d (%s): the head decided %s; only a Block may skip the body", i, r.Name, b.Action)
						}
					}
					if ga, gb := render(&a), render(&b); ga != gb {
						t.Fatalf("request %d (%s): full path\n%s\nhead path\n%s", i, r.Name, ga, gb)
					}
				}
			}
			if !maps.EqualFunc(slowStore.seen, fastStore.seen, slices.Equal) {
				t.Errorf("rate counters differ:\nfull %v\nhead %v", slowStore.seen, fastStore.seen)
			}
		})
	}
	if fastTotal == 0 {
		t.Error("no request of the conformance suite was decided on its head: the comparison proves nothing")
	}
	t.Logf("%d requests decided on the head", fastTotal)
}

// TestEvaluateHeadRefusesToDecide lists rules that must keep a request off
// the fast path even though a later rule blocks its address: a rule before
// it reads the body, a label, a pseudo-header the body fills (a client's
// own x-amzn-cognito-client-id header must not be trusted), a CAPTCHA
// token, or a rate-based rule scoped down on the body.
func TestEvaluateHeadRefusesToDecide(t *testing.T) {
	deny := ruleJSON("DenyList", 10, `{"IPSetReferenceStatement":{"ARN":"arn:aws:wafv2:us-east-1:123456789012:regional/ipset/good/x"}}`, block)
	allow := `{"Allow":{}}`
	bodyHas := func(s string) string {
		return `{"ByteMatchStatement":{"SearchString":"` + s + `","FieldToMatch":{"Body":{}},"TextTransformations":` + tNONE + `,"PositionalConstraint":"CONTAINS"}}`
	}
	header := func(name, val string) string {
		return `{"ByteMatchStatement":{"SearchString":"` + val + `","FieldToMatch":{"SingleHeader":{"Name":"` + name + `"}},"TextTransformations":` + tNONE + `,"PositionalConstraint":"EXACTLY"}}`
	}
	req := testRequest{Method: "POST", URI: "/", ClientIP: "192.0.2.7",
		Headers: map[string]string{"X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth", "X-Amzn-Cognito-Client-Id": "trusted"},
		Body:    `{"ClientId":"trusted","AuthParameters":{"USERNAME":"partner"}}`}
	tests := []struct {
		name  string
		rule  string
		label string // a label the signals add from the body
		want  Action // the full path's verdict
	}{
		{"allow on the body", ruleJSON("AllowPartner", 0, bodyHas("partner"), allow), "", ActionAllow},
		{"allow on a body-derived label", ruleJSON("AllowLabel", 0,
			`{"LabelMatchStatement":{"Scope":"LABEL","Key":"poolguard:email:trusted"}}`, allow), "poolguard:email:trusted", ActionAllow},
		{"allow on Cognito's client id pseudo-header", ruleJSON("AllowClient", 0, header("x-amzn-cognito-client-id", "trusted"), allow), "", ActionAllow},
		{"allow on poolguard's client id pseudo-header", ruleJSON("AllowClient", 0, header("x-poolguard-client-id", "trusted"), allow), "", ActionAllow},
		{"captcha before", ruleJSON("Captcha", 0, pathIs("/"), `{"Captcha":{}}`), "", ActionCaptcha},
		{"rate scoped down on the body", ruleJSON("RateBody", 0,
			rateStmt(`"Limit":10,"AggregateKeyType":"IP","ScopeDownStatement":`+bodyHas("partner")), `{"Count":{}}`), "", ActionBlock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New([]byte(rulesDoc(tt.rule, deny)), testOptions())
			if err != nil {
				t.Fatal(err)
			}
			v := req.view()
			if tt.label != "" {
				v.Labels = []string{tt.label}
			}
			var full Verdict
			if err := e.Evaluate(context.Background(), testStart, v, &full); err != nil {
				t.Fatal(err)
			}
			if full.Action != tt.want {
				t.Fatalf("full path: %s by %s, want %s", full.Action, full.TerminatingRuleID, tt.want)
			}
			head := headOf(v)
			head.Labels = nil // body-derived labels are unknown before the body
			var out Verdict
			var memo Memo
			decided, err := e.EvaluateHead(context.Background(), testStart, head, &out, &memo)
			if err != nil {
				t.Fatal(err)
			}
			if decided {
				t.Fatalf("the head decided %s by %s; the full path answers %s by %s", out.Action, out.TerminatingRuleID, full.Action, full.TerminatingRuleID)
			}
		})
	}
	// And the same deny list alone is decided on the head.
	e, err := New([]byte(rulesDoc(deny)), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	var out Verdict
	decided, err := e.EvaluateHead(context.Background(), testStart, headOf(req.view()), &out, &Memo{})
	if err != nil || !decided || out.TerminatingRuleID != "DenyList" {
		t.Fatalf("deny list alone: decided %v, %s by %s, err %v", decided, out.Action, out.TerminatingRuleID, err)
	}
}

// TestEvaluateHeadCountsOnce: a rate-based rule the head run decided (and
// counted) but that did not block is not counted again by EvaluateMemo,
// and a blocked request is counted as AWS WAF counts it.
func TestEvaluateHeadCountsOnce(t *testing.T) {
	store := newFakeStore()
	o := testOptions()
	o.Store = store
	doc := rulesDoc(
		ruleJSON("PerIP", 0, rateStmt(`"Limit":10,"AggregateKeyType":"IP"`), block),
		ruleJSON("Body", 1, `{"ByteMatchStatement":{"SearchString":"x","FieldToMatch":{"Body":{}},"TextTransformations":`+tNONE+`,"PositionalConstraint":"CONTAINS"}}`, `{"Count":{}}`),
	)
	e, err := New([]byte(doc), o)
	if err != nil {
		t.Fatal(err)
	}
	v := (&testRequest{Body: `{"x":1}`}).view()
	var out Verdict
	var memo Memo
	fastN := 0
	for i := range 15 {
		if fastEvaluate(t, e, testStart, v, &out, &memo) {
			fastN++
		}
		want := ActionAllow
		if i >= 10 {
			want = ActionBlock
		}
		if out.Action != want {
			t.Fatalf("request %d: %s, want %s", i+1, out.Action, want)
		}
	}
	if fastN != 5 {
		t.Errorf("%d requests decided on the head, want the 5 over the limit", fastN)
	}
	for k, ts := range store.seen {
		if len(ts) != 15 {
			t.Errorf("%s counted %d requests, want 15 (each once)", k, len(ts))
		}
	}
	if store.calls != 15 {
		t.Errorf("%d store calls for 15 requests, want 15", store.calls)
	}
}

func ExampleEngine_EvaluateHead() {
	o := Options{Store: newFakeStore()}
	e, _ := New([]byte(rulesDoc(ruleJSON("PerIP", 0, rateStmt(`"Limit":10,"AggregateKeyType":"IP"`), block))), o)
	v := (&testRequest{}).view()
	head := headOf(v)
	var out Verdict
	var memo Memo
	for range 11 {
		memo.Reset()
		decided, _ := e.EvaluateHead(context.Background(), testStart, head, &out, &memo)
		if !decided {
			_ = e.EvaluateMemo(context.Background(), testStart, v, &out, &memo)
		}
		if decided {
			fmt.Println("refused before the body:", out.TerminatingRuleID)
		}
	}
	// Output: refused before the body: PerIP
}
