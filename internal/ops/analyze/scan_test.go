package analyze

import (
	"testing"
)

// awsExample is shaped like AWS WAF's own log example (header names as the
// client sent them, no poolguard object).
const awsExample = `{"timestamp":1683355579981,"formatVersion":1,"webaclId":"arn:aws:wafv2:us-east-1:111122223333:regional/webacl/CognitoWebACL/abc","terminatingRuleId":"RateLimitSignIn","terminatingRuleType":"RATE_BASED","action":"BLOCK","terminatingRuleMatchDetails":[],"httpSourceName":"COGNITOIDP","httpSourceId":"us-east-1_Example","ruleGroupList":[{"ruleGroupId":"AWS#AWSManagedRulesAmazonIpReputationList","terminatingRule":null,"nonTerminatingMatchingRules":[{"ruleId":"AWSManagedIPReputationList","action":"COUNT","ruleMatchDetails":[]}],"excludedRules":null}],"rateBasedRuleList":[{"rateBasedRuleId":"x","rateBasedRuleName":"RateLimitSignIn","limitKey":"IP","maxRateAllowed":100,"limitValue":"52.46.82.45","evaluationWindowSec":"300"}],"nonTerminatingMatchingRules":[],"requestHeadersInserted":null,"responseCodeSent":null,"httpRequest":{"clientIp":"52.46.82.45","country":"FR","headers":[{"name":"Host","value":"cognito-idp.us-east-1.amazonaws.com"},{"name":"X-Amz-Target","value":"AWSCognitoIdentityProviderService.InitiateAuth"}],"uri":"/","args":"","httpVersion":"HTTP/1.1","httpMethod":"POST","requestId":"Ed0AiHF_CGYF-DA="},"labels":[{"name":"awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList"}]}`

func TestScanRecord(t *testing.T) {
	tests := []struct {
		name      string
		line      string
		wantErr   bool
		ts        int64
		ip, uri   string
		target    string
		action    string
		op        string
		ipRep, pg bool
		upStatus  int64
		proxyErr  bool
		cat       Category
	}{
		{name: "aws example", line: awsExample, ts: 1683355579981, ip: "52.46.82.45", uri: "/", action: "BLOCK",
			target: "AWSCognitoIdentityProviderService.InitiateAuth", op: "InitiateAuth", ipRep: true, cat: IPReputation},
		{name: "poolguard record", line: `{"timestamp":5,"action":"ALLOW","httpRequest":{"clientIp":"10.0.0.1","headers":[{"name":"x-amz-target","value":"AWSCognitoIdentityProviderService.SignUp"}],"uri":"/"},"poolguard":{"operation":"SignUp","upstreamStatus":400,"proxyErrorType":""}}`,
			ts: 5, ip: "10.0.0.1", uri: "/", action: "ALLOW", target: "AWSCognitoIdentityProviderService.SignUp", op: "SignUp", pg: true, upStatus: 400, cat: UserCreation},
		{name: "hosted UI path, whitespace, reordered", line: ` { "httpRequest" : { "uri" : "/forgotPassword" , "clientIp" : "2001:db8::1" } , "timestamp" : 7 } `,
			ts: 7, ip: "2001:db8::1", uri: "/forgotPassword", cat: AccountRecovery},
		{name: "escapes inside skipped and read values", line: `{"x":"a\"}]{[\\","timestamp":9,"httpRequest":{"uri":"/log\u0069n","headers":[{"value":"v","name":"X-AMZ-TARGET"}]},"poolguard":{"proxyErrorType":"ForbiddenException"}}`,
			ts: 9, uri: "/login", target: "v", pg: true, proxyErr: true, cat: SignIn},
		{name: "JSON's \\/ escape (not Go's)", line: `{"timestamp":3,"httpRequest":{"uri":"\/login"}}`, ts: 3, uri: "/login", cat: SignIn},
		{name: "label outside the article's three", line: `{"timestamp":1,"labels":[{"name":"awswaf:managed:aws:amazon-ip-list:Other"}]}`, ts: 1, cat: Default},
		{name: "truncated", line: `{"timestamp":1,"httpRequest":{"clientIp":"1.2.3.4"`, wantErr: true},
		{name: "not an object", line: `[1,2]`, wantErr: true},
		{name: "bad timestamp", line: `{"timestamp":"x"}`, wantErr: true},
		{name: "unterminated string", line: `{"timestamp":1,"a":"b}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r record
			err := scanRecord([]byte(tt.line), &r)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if r.ts != tt.ts || string(r.clientIP) != tt.ip || string(r.uri) != tt.uri || string(r.target) != tt.target ||
				string(r.action) != tt.action || string(operation(&r)) != tt.op || r.ipRep != tt.ipRep || r.pg != tt.pg ||
				r.upStatus != tt.upStatus || r.proxyErr != tt.proxyErr {
				t.Errorf("got ts=%d ip=%q uri=%q target=%q action=%q op=%q ipRep=%v pg=%v up=%d perr=%v",
					r.ts, r.clientIP, r.uri, r.target, r.action, operation(&r), r.ipRep, r.pg, r.upStatus, r.proxyErr)
			}
			if c := categorize(&r); c != tt.cat {
				t.Errorf("category %v, want %v", c, tt.cat)
			}
		})
	}
}

func FuzzScanRecord(f *testing.F) {
	f.Add(awsExample)
	f.Add(`{"timestamp":1,"httpRequest":{"headers":[{"name":"x-amz-target","value":"\\\""}]}}`)
	f.Fuzz(func(t *testing.T, s string) {
		var r record
		scanRecord([]byte(s), &r) // must not panic
	})
}
