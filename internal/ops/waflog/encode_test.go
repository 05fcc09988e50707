package waflog

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

// signInView is an InitiateAuth call carrying every kind of secret the
// log must not show.
func signInView() *request.View {
	h := http.Header{}
	h.Set("User-Agent", "aws-sdk-js/3.0")
	h.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("Origin", "https://app.example.com")
	h.Set("Referer", "https://app.example.com/cb?state=ok&code=AUTHCODE-SECRET#id_token=IDTOKEN-SECRET")
	h.Set("X-Forwarded-For", "198.51.100.7")
	h.Set("Authorization", "Bearer AUTHZ-SECRET")
	h.Set("Cookie", "session=COOKIE-SECRET")
	h.Set("X-Amz-Security-Token", "STS-SECRET")
	return &request.View{
		Method: "POST", Path: "/", Proto: "HTTP/1.1", Host: "auth.example.com", Scheme: "https",
		Header: h,
		Body: []byte(`{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"3n4b5urk1ft4fl3mg5e62d9ado",` +
			`"AuthParameters":{"USERNAME":"alice","PASSWORD":"PASSWORD-SECRET","SECRET_HASH":"HASH-SECRET"}}`),
		BodyValidJSON: true,
		Target:        "AWSCognitoIdentityProviderService.InitiateAuth",
		Operation:     "InitiateAuth",
		ClientID:      "3n4b5urk1ft4fl3mg5e62d9ado",
		Username:      "alice",
		AuthFlow:      "USER_PASSWORD_AUTH",
		PeerIP:        netip.MustParseAddr("10.0.0.2"),
		ClientIP:      netip.MustParseAddr("198.51.100.7"),
		Country:       "FR",
		RequestID:     "c0ffee00-1111-2222-3333-444455556666",
	}
}

func outcome(v *waf.Verdict) *observe.Outcome {
	return &observe.Outcome{
		Start: t0, View: signInView(), Verdict: v, WebACLName: "poolguard",
		UserPoolID: "eu-west-1_AbCdEfGhI", Status: 200, Forwarded: true,
		UpstreamOperation: "InitiateAuth", UpstreamStatus: 200,
		UpstreamLatency: 41_250 * time.Microsecond, Duration: 43 * time.Millisecond,
	}
}

// goldenCases are the record kinds the issue names, plus the edge cases.
func goldenCases() map[string]*observe.Outcome {
	cases := map[string]*observe.Outcome{}

	cases["allowed"] = outcome(&waf.Verdict{Action: waf.ActionAllow, TerminatingRuleID: waf.DefaultActionID})

	blocked := outcome(&waf.Verdict{Action: waf.ActionBlock, TerminatingRuleID: "DenyListIPv4", TerminatingRuleType: waf.RuleTypeRegular})
	blocked.Status, blocked.Forwarded, blocked.ErrorType = 403, false, "ForbiddenException"
	blocked.UpstreamOperation, blocked.UpstreamStatus, blocked.UpstreamLatency = "", 0, 0
	cases["blocked"] = blocked

	cases["counted"] = outcome(&waf.Verdict{
		Action: waf.ActionAllow, TerminatingRuleID: waf.DefaultActionID,
		Labels: []string{"awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList", "cognito:category:SignIn"},
		NonTerminating: []waf.RuleMatch{
			{RuleID: "RateLimitSignIn", Action: waf.ActionCount, Type: waf.RuleTypeRateBased},
			{RuleID: "AWS-AWSManagedRulesAmazonIpReputationList", GroupRuleID: "AWSManagedIPReputationList", Action: waf.ActionCount, Type: waf.RuleTypeGroup},
		},
		RateBased: []waf.RateBasedMatch{{RuleName: "RateLimitSignIn", LimitKey: "IP", LimitValue: "198.51.100.7", MaxRateAllowed: 100, EvaluationWindowSec: 300, Count: 101}},
	})

	rl := outcome(&waf.Verdict{
		Action: waf.ActionBlock, TerminatingRuleID: "RateLimitSignIn", TerminatingRuleType: waf.RuleTypeRateBased,
		Labels:    []string{"cognito:category:SignIn"},
		RateBased: []waf.RateBasedMatch{{RuleName: "RateLimitSignIn", LimitKey: "IP", LimitValue: "198.51.100.7", MaxRateAllowed: 100, EvaluationWindowSec: 300, Count: 250}},
	})
	rl.Status, rl.Forwarded, rl.ErrorType = 403, false, "ForbiddenException"
	rl.UpstreamOperation, rl.UpstreamStatus, rl.UpstreamLatency = "", 0, 0
	cases["rate-limited"] = rl

	custom := outcome(&waf.Verdict{
		Action: waf.ActionBlock, TerminatingRuleID: "AppClientGeoRate", TerminatingRuleType: waf.RuleTypeRateBased,
		RateBased:      []waf.RateBasedMatch{{RuleName: "AppClientGeoRate", LimitKey: "CUSTOMKEYS", LimitValue: "3n4b5urk1ft4fl3mg5e62d9ado, FR", MaxRateAllowed: 10, EvaluationWindowSec: 60, Count: 11}},
		CustomResponse: &waf.Response{StatusCode: 429, Body: `{"__type":"TooManyRequestsException"}`, ContentType: "application/json"},
	})
	custom.Status, custom.Forwarded = 429, false
	custom.UpstreamOperation, custom.UpstreamStatus, custom.UpstreamLatency = "", 0, 0
	cases["custom-response"] = custom

	inserted := outcome(&waf.Verdict{Action: waf.ActionAllow, TerminatingRuleID: "AllowListIPv4", TerminatingRuleType: waf.RuleTypeRegular})
	inserted.InsertedHeaders = []waf.HeaderField{{Name: "x-amzn-waf-trusted", Value: "yes"}}
	inserted.UpstreamStatus, inserted.UpstreamErrorType = 400, "NotAuthorizedException"
	inserted.Status = 400
	cases["inserted-headers-upstream-error"] = inserted

	group := outcome(&waf.Verdict{Action: waf.ActionBlock, TerminatingRuleID: "AWS-AWSManagedRulesCommonRuleSet", TerminatingRuleType: waf.RuleTypeGroup, TerminatingGroupRuleID: "SizeRestrictions_BODY"})
	group.Status, group.Forwarded, group.ErrorType = 403, false, "ForbiddenException"
	group.UpstreamOperation, group.UpstreamStatus, group.UpstreamLatency = "", 0, 0
	cases["group-block"] = group

	captcha := outcome(&waf.Verdict{Action: waf.ActionCaptcha, TerminatingRuleID: "LoginCaptcha", TerminatingRuleType: waf.RuleTypeRegular})
	captcha.Status, captcha.Forwarded = 405, false
	captcha.UpstreamOperation, captcha.UpstreamStatus, captcha.UpstreamLatency = "", 0, 0
	cases["captcha"] = captcha

	tooBig := outcome(nil)
	tooBig.Status, tooBig.Forwarded, tooBig.ErrorType = 413, false, "InvalidParameterException"
	tooBig.UpstreamOperation, tooBig.UpstreamStatus, tooBig.UpstreamLatency = "", 0, 0
	tooBig.StoreError = true
	cases["not-evaluated"] = tooBig
	return cases
}

func testEncoder(t testing.TB) *Encoder {
	e, err := NewEncoder(EncoderOptions{Region: "eu-west-1", Account: "111122223333"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestGolden(t *testing.T) {
	enc := testEncoder(t)
	for name, o := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			got := enc.Append(nil, o)
			if bytes.Count(got, []byte("\n")) != 1 || got[len(got)-1] != '\n' {
				t.Fatalf("record is not exactly one line: %q", got)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, got, "", "  "); err != nil {
				t.Fatalf("invalid JSON: %v\n%s", err, got)
			}
			path := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("record differs from %s:\n%s", path, pretty.Bytes())
			}
		})
	}
}

// awsRequired are the fields AWS writes in every record, with their JSON
// types (logging-fields and the log examples). "null" allows null.
var awsRequired = map[string]string{
	"timestamp": "number", "formatVersion": "number", "webaclId": "string",
	"terminatingRuleId": "string", "terminatingRuleType": "string", "action": "string",
	"terminatingRuleMatchDetails": "array", "httpSourceName": "string", "httpSourceId": "string",
	"ruleGroupList": "array", "rateBasedRuleList": "array", "nonTerminatingMatchingRules": "array",
	"requestHeadersInserted": "array|null", "responseCodeSent": "number|null", "httpRequest": "object",
	"httpRequest.clientIp": "string", "httpRequest.country": "string", "httpRequest.headers": "array",
	"httpRequest.uri": "string", "httpRequest.args": "string", "httpRequest.httpVersion": "string",
	"httpRequest.httpMethod": "string", "httpRequest.requestId": "string",
	"httpRequest.scheme": "string", "httpRequest.host": "string",
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case float64:
		return "number"
	case string:
		return "string"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "?"
}

func lookupPath(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, p := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// TestAWSFormat checks every record field by field: the fields AWS always
// writes are present with AWS's JSON types, every field (nested ones too)
// is a column of AWS's Athena DDL with a matching type, and the values
// that carry meaning follow AWS's conventions.
func TestAWSFormat(t *testing.T) {
	enc := testEncoder(t)
	ddl := loadDDL(t)
	for name, o := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			var rec map[string]any
			if err := json.Unmarshal(enc.Append(nil, o), &rec); err != nil {
				t.Fatal(err)
			}
			for path, want := range awsRequired {
				v, ok := lookupPath(rec, path)
				if !ok {
					t.Errorf("%s: missing", path)
					continue
				}
				if got := jsonType(v); !strings.Contains(want, got) {
					t.Errorf("%s: JSON type %s, want %s", path, got, want)
				}
			}
			for _, e := range conform("", rec, ddl) {
				t.Error(e)
			}
			if rec["httpSourceName"] != "COGNITOIDP" || rec["httpSourceId"] != "eu-west-1_AbCdEfGhI" {
				t.Errorf("source: %v %v", rec["httpSourceName"], rec["httpSourceId"])
			}
			if rec["webaclId"] != "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/poolguard/poolguard" {
				t.Errorf("webaclId %v", rec["webaclId"])
			}
			if rec["timestamp"] != float64(t0.UnixMilli()) {
				t.Errorf("timestamp %v, want %d", rec["timestamp"], t0.UnixMilli())
			}
			for _, rb := range rec["rateBasedRuleList"].([]any) {
				if _, ok := rb.(map[string]any)["evaluationWindowSec"].(string); !ok {
					t.Errorf("evaluationWindowSec is not a string: %v", rb)
				}
			}
			if _, ok := rec["poolguard"].(map[string]any); !ok {
				t.Error("poolguard object missing")
			}
		})
	}
}

func TestAWSConventions(t *testing.T) {
	enc := testEncoder(t)
	c := goldenCases()
	dec := func(o *observe.Outcome) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(enc.Append(nil, o), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	allowed := dec(c["allowed"])
	if allowed["terminatingRuleId"] != "Default_Action" || allowed["terminatingRuleType"] != "REGULAR" || allowed["action"] != "ALLOW" {
		t.Errorf("default action: %v %v %v", allowed["terminatingRuleId"], allowed["terminatingRuleType"], allowed["action"])
	}
	if _, ok := allowed["labels"]; ok {
		t.Error("labels written with no labels (AWS omits the field)")
	}
	if allowed["requestHeadersInserted"] != nil || allowed["responseCodeSent"] != nil {
		t.Error("requestHeadersInserted/responseCodeSent should be null")
	}
	custom := dec(c["custom-response"])
	if custom["responseCodeSent"] != float64(429) {
		t.Errorf("responseCodeSent %v", custom["responseCodeSent"])
	}
	rb := custom["rateBasedRuleList"].([]any)[0].(map[string]any)
	if _, ok := rb["limitValue"]; ok {
		t.Error("limitValue written for CUSTOMKEYS (AWS writes it only for IP keys)")
	}
	rl := dec(c["rate-limited"])
	rb = rl["rateBasedRuleList"].([]any)[0].(map[string]any)
	if rb["limitKey"] != "IP" || rb["limitValue"] != "198.51.100.7" || rb["maxRateAllowed"] != float64(100) || rb["evaluationWindowSec"] != "300" {
		t.Errorf("rate-based entry %v", rb)
	}
	counted := dec(c["counted"])
	nt := counted["nonTerminatingMatchingRules"].([]any)
	if len(nt) != 1 || nt[0].(map[string]any)["ruleId"] != "RateLimitSignIn" || nt[0].(map[string]any)["action"] != "COUNT" {
		t.Errorf("nonTerminatingMatchingRules %v", nt)
	}
	groups := counted["ruleGroupList"].([]any)
	if len(groups) != 1 || groups[0].(map[string]any)["ruleGroupId"] != "AWS-AWSManagedRulesAmazonIpReputationList" {
		t.Errorf("ruleGroupList %v", groups)
	}
	hdrs := counted["httpRequest"].(map[string]any)["headers"].([]any)
	foundTarget := false
	for _, h := range hdrs {
		hm := h.(map[string]any)
		if hm["name"] != strings.ToLower(hm["name"].(string)) {
			t.Errorf("header name %q is not lower case", hm["name"])
		}
		if hm["name"] == "x-amz-target" && hm["value"] == "AWSCognitoIdentityProviderService.InitiateAuth" {
			foundTarget = true
		}
	}
	if !foundTarget {
		t.Error("x-amz-target header missing (the AWS WAF article's query reads it)")
	}
	ne := dec(c["not-evaluated"])
	if ne["poolguard"].(map[string]any)["wafEvaluated"] != false {
		t.Error("wafEvaluated should be false")
	}
}
