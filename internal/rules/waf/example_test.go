package waf_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// A web ACL is AWS WAFv2 JSON, compiled once by New; Evaluate then judges
// each request's parsed view and fills a Verdict value. Here a rule
// blocks the Admin operations by their X-Amz-Target, whatever the case,
// and a rate-based rule allows ten requests per client IP in five minutes:
// the eleventh is blocked, another address is not.
func Example() {
	acl := []byte(`{
  "Name": "pool-acl",
  "DefaultAction": {"Allow": {}},
  "Rules": [
    {"Name": "BlockAdminCalls", "Priority": 0, "Action": {"Block": {}},
     "VisibilityConfig": {"SampledRequestsEnabled": false, "CloudWatchMetricsEnabled": false, "MetricName": "BlockAdminCalls"},
     "Statement": {"ByteMatchStatement": {
       "FieldToMatch": {"SingleHeader": {"Name": "x-amz-target"}},
       "PositionalConstraint": "STARTS_WITH",
       "SearchString": "awscognitoidentityproviderservice.admin",
       "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}]}}},
    {"Name": "PerIP", "Priority": 1, "Action": {"Block": {}},
     "VisibilityConfig": {"SampledRequestsEnabled": false, "CloudWatchMetricsEnabled": false, "MetricName": "PerIP"},
     "Statement": {"RateBasedStatement": {"Limit": 10, "EvaluationWindowSec": 300, "AggregateKeyType": "IP"}}}
  ]}`)
	e, err := waf.New(acl, waf.Options{Store: ratelimit.NewMemory()})
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2025, 3, 14, 15, 0, 0, 0, time.UTC)
	call := func(target, ip string) {
		v := &request.View{
			Method: "POST", Path: "/", Proto: "HTTP/1.1",
			Header:   http.Header{"X-Amz-Target": {target}},
			Target:   target,
			ClientIP: netip.MustParseAddr(ip),
		}
		var out waf.Verdict
		if err := e.Evaluate(context.Background(), now, v, &out); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(ip, out.Action, out.TerminatingRuleID)
	}
	call("AWSCognitoIdentityProviderService.ADMINDeleteUser", "198.51.100.7")
	for range 11 {
		now = now.Add(time.Second)
		call("AWSCognitoIdentityProviderService.InitiateAuth", "203.0.113.9")
	}
	call("AWSCognitoIdentityProviderService.InitiateAuth", "192.0.2.1")
	// Output:
	// 198.51.100.7 BLOCK BlockAdminCalls
	// 203.0.113.9 ALLOW Default_Action
	// 203.0.113.9 ALLOW Default_Action
	// 203.0.113.9 ALLOW Default_Action
	// 203.0.113.9 ALLOW Default_Action
	// 203.0.113.9 ALLOW Default_Action
	// 203.0.113.9 ALLOW Default_Action
	// 203.0.113.9 ALLOW Default_Action
	// 203.0.113.9 ALLOW Default_Action
	// 203.0.113.9 ALLOW Default_Action
	// 203.0.113.9 ALLOW Default_Action
	// 203.0.113.9 BLOCK PerIP
	// 192.0.2.1 ALLOW Default_Action
}
