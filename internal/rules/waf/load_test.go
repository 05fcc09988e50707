package waf

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/rules/prefixset"
)

// rulesDoc wraps rule JSON in a web ACL.
func rulesDoc(rules ...string) string {
	return `{"Name":"acl","DefaultAction":{"Allow":{}},"Rules":[` + strings.Join(rules, ",") + `]}`
}

// ruleJSON is a rule named name with the given statement and action.
func ruleJSON(name string, prio int, stmt, action string) string {
	return fmt.Sprintf(`{"Name":%q,"Priority":%d,"Statement":%s,"Action":%s,"VisibilityConfig":{"SampledRequestsEnabled":false,"CloudWatchMetricsEnabled":false,"MetricName":%q}}`, name, prio, stmt, action, name)
}

const (
	block  = `{"Block":{}}`
	tNONE  = `[{"Priority":0,"Type":"NONE"}]`
	hdrFTM = `{"SingleHeader":{"Name":"x-amz-target"}}`
)

func byteStmt(extra string) string {
	return `{"ByteMatchStatement":{"SearchString":"a","FieldToMatch":` + hdrFTM + `,"TextTransformations":` + tNONE + `,"PositionalConstraint":"CONTAINS"` + extra + `}}`
}

func rateStmt(body string) string { return `{"RateBasedStatement":{` + body + `}}` }

func testOptions() Options {
	set, _ := prefixset.Parse("good", []string{"192.0.2.0/24"})
	return Options{
		IPSets:           map[string]*prefixset.Set{"good": set},
		RegexPatternSets: map[string][]string{"good": {"^a$"}, "bad": {"(?<=x)y", "ok", "(unclosed"}, "empty": {}},
		Store:            newFakeStore(),
	}
}

// TestLoadErrors checks that every kind of malformed rule is rejected with
// a message naming the rule and the JSON path.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"invalid JSON", `{"Name":`, []string{"invalid JSON"}},
		{"not a web ACL", `"hello"`, []string{"not a web ACL"}},
		{"unknown field deep", rulesDoc(ruleJSON("BLOCK-all-public-apis", 1,
			`{"AndStatement":{"Statements":[{"NotStatement":{"Statement":{"ByteMatchStatement":{"Foo":1}}}},`+byteStmt("")+`]}}`, block)),
			[]string{`rule "BLOCK-all-public-apis" (Rules[0].Statement.AndStatement.Statements[0].NotStatement.Statement.ByteMatchStatement): unknown field "Foo"`}},
		{"unknown field case hint", rulesDoc(ruleJSON("r", 0, byteStmt(`,"searchString":"x"`), block)),
			[]string{`rule "r" (Rules[0].Statement.ByteMatchStatement): unknown field "searchString" (did you mean "SearchString"?)`}},
		{"wrong JSON type", rulesDoc(`{"Name":"r","Priority":"one","Statement":` + byteStmt("") + `,"Action":` + block + `}`),
			[]string{`rule "r" (Rules[0].Priority): expected an integer, got the string "one"`}},
		{"unknown statement", rulesDoc(ruleJSON("r", 0, `{"FooStatement":{}}`, block)),
			[]string{`rule "r" (Rules[0].Statement): unknown field "FooStatement"`}},
		{"two statements", rulesDoc(ruleJSON("r", 0, `{"ByteMatchStatement":`+byteStmt("")[22:len(byteStmt(""))-1]+`,"NotStatement":{"Statement":`+byteStmt("")+`}}`, block)),
			[]string{`rule "r" (Rules[0].Statement): set exactly one statement, found ByteMatchStatement and NotStatement`}},
		{"empty statement", rulesDoc(ruleJSON("r", 0, `{}`, block)),
			[]string{`rule "r" (Rules[0].Statement): empty statement`}},
		{"missing set", rulesDoc(ruleJSON("r", 0, `{"IPSetReferenceStatement":{"ARN":"arn:aws:wafv2:eu-central-1:123456789012:regional/ipset/missing/abc"}}`, block)),
			[]string{`rule "r" (Rules[0].Statement.IPSetReferenceStatement.ARN): IP set "missing" not found`}},
		{"missing regex set", rulesDoc(ruleJSON("r", 0, `{"RegexPatternSetReferenceStatement":{"ARN":"arn:aws:wafv2:eu-central-1:1:regional/regexpatternset/nope/abc","FieldToMatch":`+hdrFTM+`,"TextTransformations":`+tNONE+`}}`, block)),
			[]string{`rule "r" (Rules[0].Statement.RegexPatternSetReferenceStatement.ARN): regex pattern set "nope" not found`}},
		{"bad ARN", rulesDoc(ruleJSON("r", 0, `{"IPSetReferenceStatement":{"ARN":"good"}}`, block)),
			[]string{`rule "r" (Rules[0].Statement.IPSetReferenceStatement.ARN): invalid ARN "good"`}},
		{"bad regex in set", rulesDoc(ruleJSON("r", 0, `{"RegexPatternSetReferenceStatement":{"ARN":"arn:aws:wafv2:eu-central-1:1:regional/regexpatternset/bad/abc","FieldToMatch":`+hdrFTM+`,"TextTransformations":`+tNONE+`}}`, block)),
			[]string{`pattern 0 "(?<=x)y" is invalid (Go RE2 syntax)`, `pattern 2 "(unclosed" is invalid`}},
		{"bad regex", rulesDoc(ruleJSON("r", 0, `{"RegexMatchStatement":{"RegexString":"a(b","FieldToMatch":`+hdrFTM+`,"TextTransformations":`+tNONE+`}}`, block)),
			[]string{`rule "r" (Rules[0].Statement.RegexMatchStatement.RegexString): invalid regular expression "a(b"`}},
		{"invalid enum", rulesDoc(ruleJSON("r", 0, `{"ByteMatchStatement":{"SearchString":"a","FieldToMatch":`+hdrFTM+`,"TextTransformations":`+tNONE+`,"PositionalConstraint":"SOMEWHERE"}}`, block)),
			[]string{`rule "r" (Rules[0].Statement.ByteMatchStatement.PositionalConstraint): invalid PositionalConstraint "SOMEWHERE": must be one of EXACTLY`}},
		{"invalid transformation", rulesDoc(ruleJSON("r", 0, `{"ByteMatchStatement":{"SearchString":"a","FieldToMatch":`+hdrFTM+`,"TextTransformations":[{"Priority":0,"Type":"ROT13"}],"PositionalConstraint":"CONTAINS"}}`, block)),
			[]string{`rule "r" (Rules[0].Statement.ByteMatchStatement.TextTransformations[0].Type): invalid transformation type "ROT13"`}},
		{"missing transformations", rulesDoc(ruleJSON("r", 0, `{"ByteMatchStatement":{"SearchString":"a","FieldToMatch":`+hdrFTM+`,"PositionalConstraint":"CONTAINS"}}`, block)),
			[]string{`rule "r" (Rules[0].Statement.ByteMatchStatement.TextTransformations): missing TextTransformations`}},
		{"missing field to match", rulesDoc(ruleJSON("r", 0, `{"ByteMatchStatement":{"SearchString":"a","TextTransformations":`+tNONE+`,"PositionalConstraint":"CONTAINS"}}`, block)),
			[]string{`rule "r" (Rules[0].Statement.ByteMatchStatement.FieldToMatch): missing FieldToMatch`}},
		{"rate limit too low", rulesDoc(ruleJSON("rate", 0, rateStmt(`"Limit":5,"AggregateKeyType":"IP"`), block)),
			[]string{`rule "rate" (Rules[0].Statement.RateBasedStatement.Limit): Limit must be 10-2000000000, got 5`}},
		{"rate limit too high", rulesDoc(ruleJSON("rate", 0, rateStmt(`"Limit":2000000001,"AggregateKeyType":"IP"`), block)),
			[]string{`(Rules[0].Statement.RateBasedStatement.Limit): Limit must be 10-2000000000`}},
		{"rate window", rulesDoc(ruleJSON("rate", 0, rateStmt(`"Limit":100,"EvaluationWindowSec":30,"AggregateKeyType":"IP"`), block)),
			[]string{`rule "rate" (Rules[0].Statement.RateBasedStatement.EvaluationWindowSec): EvaluationWindowSec must be 60, 120, 300 or 600, got 30`}},
		{"rate key type", rulesDoc(ruleJSON("rate", 0, rateStmt(`"Limit":100,"AggregateKeyType":"USER"`), block)),
			[]string{`rule "rate" (Rules[0].Statement.RateBasedStatement.AggregateKeyType): invalid AggregateKeyType "USER"`}},
		{"rate forwarded without config", rulesDoc(ruleJSON("rate", 0, rateStmt(`"Limit":100,"AggregateKeyType":"FORWARDED_IP"`), block)),
			[]string{`(Rules[0].Statement.RateBasedStatement.ForwardedIPConfig): missing ForwardedIPConfig`}},
		{"rate constant without scope-down", rulesDoc(ruleJSON("rate", 0, rateStmt(`"Limit":100,"AggregateKeyType":"CONSTANT"`), block)),
			[]string{`(Rules[0].Statement.RateBasedStatement.ScopeDownStatement): AggregateKeyType CONSTANT needs a ScopeDownStatement`}},
		{"rate custom keys", rulesDoc(ruleJSON("rate", 0, rateStmt(`"Limit":100,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{"Header":{"Name":"x"}},{}]`), block)),
			[]string{`(Rules[0].Statement.RateBasedStatement.CustomKeys[0].Header.TextTransformations): missing TextTransformations`, `(Rules[0].Statement.RateBasedStatement.CustomKeys[1]): set exactly one key component, found 0`}},
		{"rate IP with forwarded config", rulesDoc(ruleJSON("rate", 0, rateStmt(`"Limit":100,"AggregateKeyType":"IP","ForwardedIPConfig":{"HeaderName":"X-Forwarded-For","FallbackBehavior":"MATCH"}`), block)),
			[]string{`(Rules[0].Statement.RateBasedStatement.ForwardedIPConfig): ForwardedIPConfig is only for AggregateKeyType FORWARDED_IP or a ForwardedIP custom key`}},
		{"rate custom forwarded key without config", rulesDoc(ruleJSON("rate", 0, rateStmt(`"Limit":100,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{"ForwardedIP":{}}]`), block)),
			[]string{`(Rules[0].Statement.RateBasedStatement.ForwardedIPConfig): missing ForwardedIPConfig`}},
		{"rate six custom keys", rulesDoc(ruleJSON("rate", 0, rateStmt(`"Limit":100,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{"IP":{}},{"IP":{}},{"IP":{}},{"IP":{}},{"IP":{}},{"HTTPMethod":{}}]`), block)),
			[]string{`(Rules[0].Statement.RateBasedStatement.CustomKeys): CUSTOM_KEYS needs 1 to 5 custom keys, got 6`}},
		{"rate custom keys on IP", rulesDoc(ruleJSON("rate", 0, rateStmt(`"Limit":100,"AggregateKeyType":"IP","CustomKeys":[{"IP":{}}]`), block)),
			[]string{`(Rules[0].Statement.RateBasedStatement.CustomKeys): CustomKeys are only for AggregateKeyType CUSTOM_KEYS`}},
		{"rate label namespace without colon", rulesDoc(ruleJSON("rate", 0, rateStmt(`"Limit":100,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{"LabelNamespace":{"Namespace":"ns"}}]`), block)),
			[]string{`(Rules[0].Statement.RateBasedStatement.CustomKeys[0].LabelNamespace.Namespace): invalid namespace "ns": must end with ':'`}},
		{"rate label namespace invalid", rulesDoc(ruleJSON("rate", 0, rateStmt(`"Limit":100,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{"LabelNamespace":{"Namespace":"a b:"}}]`), block)),
			[]string{`(Rules[0].Statement.RateBasedStatement.CustomKeys[0].LabelNamespace.Namespace): invalid namespace "a b:"`}},
		{"rate custom key name", rulesDoc(ruleJSON("rate", 0, rateStmt(`"Limit":100,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{"Cookie":{"TextTransformations":`+tNONE+`}}]`), block)),
			[]string{`(Rules[0].Statement.RateBasedStatement.CustomKeys[0].Cookie.Name): missing Name`}},
		{"rate unsupported custom key", rulesDoc(ruleJSON("rate", 0, rateStmt(`"Limit":100,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{"ASN":{}}]`), block)),
			[]string{`(Rules[0].Statement.RateBasedStatement.CustomKeys[0].ASN): custom key ASN is not supported by the proxy`}},
		{"label missing key", rulesDoc(ruleJSON("r", 0, `{"LabelMatchStatement":{"Scope":"LABEL","Key":""}}`, block)),
			[]string{`(Rules[0].Statement.LabelMatchStatement.Key): missing Key`}},
		{"label key characters", rulesDoc(ruleJSON("r", 0, `{"LabelMatchStatement":{"Scope":"LABEL","Key":"a b"}}`, block)),
			[]string{`(Rules[0].Statement.LabelMatchStatement.Key): invalid label key "a b"`}},
		{"label key ends with colon", rulesDoc(ruleJSON("r", 0, `{"LabelMatchStatement":{"Scope":"LABEL","Key":"bot:"}}`, block)),
			[]string{`(Rules[0].Statement.LabelMatchStatement.Key): a LABEL key must not end with ':', got "bot:" (use Scope NAMESPACE)`}},
		{"empty regex set", rulesDoc(ruleJSON("r", 0, `{"RegexPatternSetReferenceStatement":{"ARN":"arn:aws:wafv2:eu-central-1:1:regional/regexpatternset/empty/abc","FieldToMatch":`+hdrFTM+`,"TextTransformations":`+tNONE+`}}`, block)),
			[]string{`(Rules[0].Statement.RegexPatternSetReferenceStatement.ARN): regex pattern set "empty" is empty`}},
		{"and reports the errors of every statement", rulesDoc(ruleJSON("r", 0, `{"AndStatement":{"Statements":[{"ByteMatchStatement":{"SearchString":"a","TextTransformations":`+tNONE+`,"PositionalConstraint":"CONTAINS"}},{"ByteMatchStatement":{"SearchString":"a","FieldToMatch":`+hdrFTM+`,"TextTransformations":`+tNONE+`,"PositionalConstraint":"FAR"}}]}}`, block)),
			[]string{`(Rules[0].Statement.AndStatement.Statements[0].ByteMatchStatement.FieldToMatch): missing FieldToMatch`, `(Rules[0].Statement.AndStatement.Statements[1].ByteMatchStatement.PositionalConstraint): invalid PositionalConstraint "FAR"`}},
		{"one-statement and", rulesDoc(ruleJSON("r", 0, `{"AndStatement":{"Statements":[`+byteStmt("")+`]}}`, block)),
			[]string{`(Rules[0].Statement.AndStatement.Statements): an AndStatement needs at least two statements, got 1`}},
		{"one-statement or", rulesDoc(ruleJSON("r", 0, `{"OrStatement":{"Statements":[`+byteStmt("")+`]}}`, block)),
			[]string{`(Rules[0].Statement.OrStatement.Statements): an OrStatement needs at least two statements, got 1`}},
		{"regex missing", rulesDoc(ruleJSON("r", 0, `{"RegexMatchStatement":{"FieldToMatch":`+hdrFTM+`,"TextTransformations":`+tNONE+`}}`, block)),
			[]string{`(Rules[0].Statement.RegexMatchStatement.RegexString): missing RegexString`}},
		{"geo none", rulesDoc(ruleJSON("r", 0, `{"GeoMatchStatement":{"CountryCodes":[]}}`, block)),
			[]string{`(Rules[0].Statement.GeoMatchStatement.CountryCodes): list at least one country code`}},
		{"forwarded header missing", rulesDoc(ruleJSON("r", 0, `{"IPSetReferenceStatement":{"ARN":"arn:aws:wafv2:eu-central-1:1:regional/ipset/good/abc","IPSetForwardedIPConfig":{"FallbackBehavior":"MATCH","Position":"FIRST"}}}`, block)),
			[]string{`IPSetForwardedIPConfig.HeaderName): missing HeaderName`}},
		{"forwarded header invalid", rulesDoc(ruleJSON("r", 0, `{"IPSetReferenceStatement":{"ARN":"arn:aws:wafv2:eu-central-1:1:regional/ipset/good/abc","IPSetForwardedIPConfig":{"HeaderName":"X Forwarded","FallbackBehavior":"MATCH","Position":"FIRST"}}}`, block)),
			[]string{`IPSetForwardedIPConfig.HeaderName): invalid HeaderName "X Forwarded"`}},
		{"nested rate", rulesDoc(ruleJSON("r", 0, `{"NotStatement":{"Statement":`+rateStmt(`"Limit":100,"AggregateKeyType":"IP"`)+`}}`, block)),
			[]string{`(Rules[0].Statement.NotStatement.Statement.RateBasedStatement): a RateBasedStatement must be a rule's top-level statement`}},
		{"size out of range", rulesDoc(ruleJSON("r", 0, `{"SizeConstraintStatement":{"FieldToMatch":`+hdrFTM+`,"ComparisonOperator":"GTE","Size":-1,"TextTransformations":`+tNONE+`}}`, block)),
			[]string{`(Rules[0].Statement.SizeConstraintStatement.ComparisonOperator): invalid ComparisonOperator "GTE"`, `(Rules[0].Statement.SizeConstraintStatement.Size): Size must be 0-21474836480, got -1`}},
		{"label key", rulesDoc(ruleJSON("r", 0, `{"LabelMatchStatement":{"Scope":"NAMESPACE","Key":"ns"}}`, block)),
			[]string{`(Rules[0].Statement.LabelMatchStatement.Key): a NAMESPACE key must end with ':'`}},
		{"geo code", rulesDoc(ruleJSON("r", 0, `{"GeoMatchStatement":{"CountryCodes":["US","usa"]}}`, block)),
			[]string{`(Rules[0].Statement.GeoMatchStatement.CountryCodes[1]): invalid country code "usa"`}},
		{"forwarded config", rulesDoc(ruleJSON("r", 0, `{"IPSetReferenceStatement":{"ARN":"arn:aws:wafv2:eu-central-1:1:regional/ipset/good/abc","IPSetForwardedIPConfig":{"HeaderName":"X-Forwarded-For","FallbackBehavior":"MAYBE","Position":"MIDDLE"}}}`, block)),
			[]string{`IPSetForwardedIPConfig.FallbackBehavior): invalid FallbackBehavior "MAYBE"`, `IPSetForwardedIPConfig.Position): invalid Position "MIDDLE"`}},
		{"json body", rulesDoc(ruleJSON("r", 0, `{"ByteMatchStatement":{"SearchString":"a","FieldToMatch":{"JsonBody":{"MatchPattern":{"IncludedPaths":["ClientId"]},"MatchScope":"VALUES","InvalidFallbackBehavior":"PANIC"}},"TextTransformations":`+tNONE+`,"PositionalConstraint":"CONTAINS"}}`, block)),
			[]string{`FieldToMatch.JsonBody.MatchScope): invalid MatchScope "VALUES"`, `FieldToMatch.JsonBody.InvalidFallbackBehavior): invalid InvalidFallbackBehavior "PANIC"`, `FieldToMatch.JsonBody.MatchPattern.IncludedPaths[0]): invalid JSON pointer "ClientId"`}},
		{"headers oversize", rulesDoc(ruleJSON("r", 0, `{"ByteMatchStatement":{"SearchString":"a","FieldToMatch":{"Headers":{"MatchPattern":{"All":{}},"MatchScope":"ALL"}},"TextTransformations":`+tNONE+`,"PositionalConstraint":"CONTAINS"}}`, block)),
			[]string{`FieldToMatch.Headers.OversizeHandling): missing OversizeHandling`}},
		{"unsupported component", rulesDoc(ruleJSON("r", 0, `{"ByteMatchStatement":{"SearchString":"a","FieldToMatch":{"JA3Fingerprint":{"FallbackBehavior":"MATCH"}},"TextTransformations":`+tNONE+`,"PositionalConstraint":"CONTAINS"}}`, block)),
			[]string{`FieldToMatch.JA3Fingerprint): JA3Fingerprint is not supported`}},
		{"managed group", rulesDoc(`{"Name":"m","Priority":0,"Statement":{"ManagedRuleGroupStatement":{"VendorName":"AWS","Name":"AWSManagedRulesCommonRuleSet"}},"OverrideAction":{"None":{}}}`),
			[]string{`rule "m" (Rules[0].Statement.ManagedRuleGroupStatement): managed rule groups run only inside AWS WAF`}},
		{"missing action", rulesDoc(`{"Name":"r","Priority":0,"Statement":` + byteStmt("") + `}`),
			[]string{`rule "r" (Rules[0].Action): missing Action`}},
		{"two actions", rulesDoc(ruleJSON("r", 0, byteStmt(""), `{"Block":{},"Allow":{}}`)),
			[]string{`rule "r" (Rules[0].Action): set exactly one of Allow, Block, Count, Captcha, Challenge (found 2)`}},
		{"custom response body key", rulesDoc(ruleJSON("r", 0, byteStmt(""), `{"Block":{"CustomResponse":{"ResponseCode":99,"CustomResponseBodyKey":"nope"}}}`)),
			[]string{`(Rules[0].Action.Block.CustomResponse.ResponseCode): ResponseCode must be 200-599, got 99`, `(Rules[0].Action.Block.CustomResponse.CustomResponseBodyKey): no CustomResponseBodies entry "nope"`}},
		{"duplicates", rulesDoc(ruleJSON("r", 0, byteStmt(""), block), ruleJSON("r", 0, byteStmt(""), block)),
			[]string{`rule "r" (Rules[1].Name): duplicate rule name (also Rules[0])`, `rule "r" (Rules[1].Priority): duplicate priority 0 (also Rules[0])`}},
		{"bad label", rulesDoc(`{"Name":"r","Priority":0,"Statement":` + byteStmt("") + `,"Action":{"Count":{}},"RuleLabels":[{"Name":"bad label"}]}`),
			[]string{`rule "r" (Rules[0].RuleLabels[0].Name): invalid label "bad label"`}},
		{"default action", `{"Name":"acl","DefaultAction":{},"Rules":[]}`,
			[]string{`DefaultAction: set exactly one of Allow and Block`}},
		{"get-web-acl paths", `{"WebACL":{"Name":"acl","DefaultAction":{"Allow":{}},"Rules":[` + ruleJSON("r", 0, `{"NotStatement":{}}`, block) + `]},"LockToken":"x"}`,
			[]string{`rule "r" (WebACL.Rules[0].Statement.NotStatement.Statement): missing statement`}},
		{"rule list paths", `[` + ruleJSON("r", 0, byteStmt(`,"Bar":true`), block) + `]`,
			[]string{`rule "r" (Rules[0].Statement.ByteMatchStatement): unknown field "Bar"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New([]byte(tt.doc), testOptions())
			if err == nil {
				t.Fatal("loaded without error")
			}
			var list Errors
			if !errors.As(err, &list) {
				t.Fatalf("error %T is not Errors: %v", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestLoadReportsAllErrors checks that problems in several rules are all
// reported, not just the first.
func TestLoadReportsAllErrors(t *testing.T) {
	doc := rulesDoc(
		ruleJSON("a", 0, byteStmt(`,"Foo":1`), block),
		ruleJSON("b", 1, `{"IPSetReferenceStatement":{"ARN":"arn:aws:wafv2:eu-central-1:1:regional/ipset/missing/x"}}`, block),
		ruleJSON("c", 2, rateStmt(`"Limit":1,"AggregateKeyType":"IP"`), block),
	)
	_, err := New([]byte(doc), testOptions())
	var list Errors
	if !errors.As(err, &list) || len(list) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
	for i, name := range []string{"a", "b", "c"} {
		if list[i].Rule != name {
			t.Errorf("error %d is for rule %q, want %q: %v", i, list[i].Rule, name, list[i])
		}
	}
}

func TestLoadShapes(t *testing.T) {
	rule := ruleJSON("r", 0, byteStmt(""), block)
	for _, doc := range []string{
		`{"WebACL":{"Name":"acl","DefaultAction":{"Allow":{}},"Rules":[` + rule + `]},"LockToken":"t"}`,
		rulesDoc(rule),
		`[` + rule + `]`,
		`{"RuleGroup":{"Name":"g","Capacity":10,"Rules":[` + rule + `]},"LockToken":"t"}`,
		`{"Name":"g","Capacity":10,"Rules":[` + rule + `]}`,
	} {
		e, err := New([]byte(doc), testOptions())
		if err != nil {
			t.Errorf("%s: %v", doc[:20], err)
			continue
		}
		if e.Len() != 1 {
			t.Errorf("%s: %d rules", doc[:20], e.Len())
		}
	}
}

func TestRateRulesNeedStore(t *testing.T) {
	o := testOptions()
	o.Store = nil
	_, err := New([]byte(rulesDoc(ruleJSON("r", 0, rateStmt(`"Limit":100,"AggregateKeyType":"IP"`), block))), o)
	if err == nil || !strings.Contains(err.Error(), "no rate store") {
		t.Fatalf("err = %v", err)
	}
}

// TestLoadAcceptsLimits: the largest values AWS WAF accepts load (a rate
// limit of 2,000,000,000, five custom keys, a Size of 21474836480); the
// rows of TestLoadErrors refuse the values just past them.
func TestLoadAcceptsLimits(t *testing.T) {
	for name, stmt := range map[string]string{
		"largest rate limit": rateStmt(`"Limit":2000000000,"AggregateKeyType":"IP"`),
		"five custom keys":   rateStmt(`"Limit":100,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{"IP":{}},{"HTTPMethod":{}},{"UriPath":{"TextTransformations":` + tNONE + `}},{"QueryString":{"TextTransformations":` + tNONE + `}},{"Header":{"Name":"x-k","TextTransformations":` + tNONE + `}}]`),
		"largest size":       `{"SizeConstraintStatement":{"FieldToMatch":` + hdrFTM + `,"ComparisonOperator":"GT","Size":21474836480,"TextTransformations":` + tNONE + `}}`,
	} {
		if _, err := New([]byte(rulesDoc(ruleJSON("r", 0, stmt, block))), testOptions()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestFailedRuleCompilesToNothing: a rule whose statement reported an
// error compiles to nil (statement's "nil after an error"), so that no
// step can hold a half-compiled rule: a regex statement without its
// expression, a rate-based rule without its key type, custom key or
// scope-down statement.
func TestFailedRuleCompilesToNothing(t *testing.T) {
	for name, stmt := range map[string]string{
		"invalid regex":        `{"RegexMatchStatement":{"RegexString":"a(b","FieldToMatch":` + hdrFTM + `,"TextTransformations":` + tNONE + `}}`,
		"missing regex set":    `{"RegexPatternSetReferenceStatement":{"ARN":"arn:aws:wafv2:eu-central-1:1:regional/regexpatternset/nope/abc","FieldToMatch":` + hdrFTM + `,"TextTransformations":` + tNONE + `}}`,
		"rate key type":        rateStmt(`"Limit":100,"AggregateKeyType":"USER"`),
		"rate custom key":      rateStmt(`"Limit":100,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{}]`),
		"rate scope-down":      rateStmt(`"Limit":100,"AggregateKeyType":"IP","ScopeDownStatement":{"LabelMatchStatement":{"Scope":"LABEL","Key":""}}`),
		"rate unsupported key": rateStmt(`"Limit":100,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{"ASN":{}}]`),
	} {
		doc, err := Load([]byte(rulesDoc(ruleJSON("r", 0, stmt, block))))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c := &compiler{opts: testOptions(), ns: "awswaf:" + DefaultAccount + ":webacl:acl:"}
		if r := c.compileRule("Rules[0]", &doc.WebACL.Rules[0]); r != nil || c.err() == nil {
			t.Errorf("%s: compiled to %v with error %v, want nil after an error", name, r, c.err())
		}
	}
}
