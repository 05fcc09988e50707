package exportwaf

import (
	"encoding/json"
	"strings"

	"github.com/poolguard/poolguard/internal/rules/presets"
)

// CloudFormation returns a CloudFormation template (JSON) that creates the
// web ACL, its IP sets, and its association with the user pool given as the
// UserPoolArn parameter. The proxy header's value is the NoEcho parameter
// ProxyHeaderValue; the template never holds it. As in AWS's article
// "Protect your Amazon Cognito user pool with AWS WAF", the
// category rate limits (UserCreationRateLimit, SignInRateLimit,
// AccountRecoveryRateLimit, IPReputationRateLimit, DefaultRateLimit) and
// TestMode (Yes counts instead of blocking) are stack parameters, defaulting
// to the config's values, and WAFLogsS3Bucket turns on logging to an
// aws-waf-logs- bucket.
func (e *Export) CloudFormation() ([]byte, error) {
	resources := obj{}
	logical := map[string]string{} // IP set ARN -> logical id
	for _, s := range e.IPSets {
		id := "IPSet" + alnum(s.Name)
		logical[s.ARN] = id
		addrs := make([]any, len(s.Addresses))
		for i, a := range s.Addresses {
			addrs[i] = a
		}
		resources[id] = obj{"Type": "AWS::WAFv2::IPSet", "Properties": obj{
			"Name": s.Name, "Scope": "REGIONAL", "Description": s.Description,
			"IPAddressVersion": s.IPAddressVersion, "Addresses": addrs,
		}}
	}
	acl := deepCopy(e.WebACL).(obj)
	walk(acl, func(m obj) {
		if ref, ok := m["IPSetReferenceStatement"].(obj); ok {
			arn, _ := ref["ARN"].(string)
			delete(ref, "ARN")
			ref["Arn"] = obj{"Fn::GetAtt": []any{logical[arn], "Arn"}}
		}
	})
	replaceSentinel(acl, obj{"Ref": "ProxyHeaderValue"})
	acl["Scope"] = "REGIONAL"
	params := obj{"UserPoolArn": obj{
		"Type":        "String",
		"Description": "ARN of the Cognito user pool to protect (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID).",
	}}
	e.parameterise(acl, params)
	resources["WebACL"] = obj{"Type": "AWS::WAFv2::WebACL", "Properties": acl}
	resources["WebACLAssociation"] = obj{"Type": "AWS::WAFv2::WebACLAssociation", "Properties": obj{
		"ResourceArn": obj{"Ref": "UserPoolArn"},
		"WebACLArn":   obj{"Fn::GetAtt": []any{"WebACL", "Arn"}},
	}}
	resources["LoggingConfiguration"] = e.logging()
	params["WAFLogsS3Bucket"] = obj{
		"Type": "String", "Default": e.LogBucket, "AllowedPattern": "^(aws-waf-logs-[a-z0-9][a-z0-9.-]{0,48})?$",
		"Description": "An existing S3 bucket, named aws-waf-logs-SUFFIX, that receives the web ACL's logs; empty for no logging.",
	}
	if e.HeaderName != "" {
		params["ProxyHeaderValue"] = obj{
			"Type": "String", "NoEcho": true, "MinLength": 16,
			"Description": "The secret value the proxy sends in the " + e.HeaderName + " header (pool_acl.proxy_header.value).",
		}
	}
	tmpl := obj{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              "poolguard: web ACL for a Cognito user pool that only the proxy may call for secret-taking operations.",
		"Parameters":               params,
		"Conditions": obj{
			"TestModeOn": obj{"Fn::Equals": []any{obj{"Ref": "TestMode"}, "Yes"}},
			"LogsOn":     obj{"Fn::Not": []any{obj{"Fn::Equals": []any{obj{"Ref": "WAFLogsS3Bucket"}, ""}}}},
		},
		"Resources": resources,
		"Outputs":   obj{"WebACLArn": obj{"Value": obj{"Fn::GetAtt": []any{"WebACL", "Arn"}}}},
	}
	return json.MarshalIndent(tmpl, "", "  ")
}

// rateParams maps the category rate rules to their stack parameters.
var rateParams = map[string]string{
	"RateLimitUserCreation":    "UserCreationRateLimit",
	"RateLimitSignIn":          "SignInRateLimit",
	"RateLimitAccountRecovery": "AccountRecoveryRateLimit",
	"RateLimitIPReputation":    "IPReputationRateLimit",
	"RateLimitDefault":         "DefaultRateLimit",
}

// parameterise turns the category rules' limits into parameter references
// (defaulting to the generated values) and their Block or Count actions
// into a choice on TestMode.
func (e *Export) parameterise(acl obj, params obj) {
	testMode := "No"
	for _, r := range acl["Rules"].([]any) {
		rule := r.(obj)
		name, _ := rule["Name"].(string)
		if !e.categoryRules[name] {
			continue
		}
		action, _ := rule["Action"].(obj)
		if _, count := action["Count"]; count {
			testMode = "Yes"
			action = obj{"Block": obj{}}
		}
		if _, block := action["Block"]; block {
			rule["Action"] = obj{"Fn::If": []any{"TestModeOn", obj{"Count": obj{}}, action}}
		}
		p, ok := rateParams[name]
		if !ok {
			continue
		}
		rb := rule["Statement"].(obj)["RateBasedStatement"].(obj)
		params[p] = obj{
			"Type": "Number", "Default": rb["Limit"], "MinValue": presets.MinLimit, "MaxValue": presets.MaxLimit,
			"Description": "Requests allowed per IP address in the evaluation window for the " + strings.TrimPrefix(name, "RateLimit") + " category.",
		}
		rb["Limit"] = obj{"Ref": p}
	}
	params["TestMode"] = obj{
		"Type": "String", "Default": testMode, "AllowedValues": []any{"Yes", "No"},
		"Description": "Yes counts requests over the rate limits instead of blocking them, to tune the limits first.",
	}
}

// logging is the web ACL's logging to the WAFLogsS3Bucket bucket, when one
// is given. The proxy header, a shared secret, is redacted from the logs.
func (e *Export) logging() obj {
	props := obj{
		"ResourceArn":           obj{"Fn::GetAtt": []any{"WebACL", "Arn"}},
		"LogDestinationConfigs": []any{obj{"Fn::Sub": "arn:${AWS::Partition}:s3:::${WAFLogsS3Bucket}"}},
	}
	if e.HeaderName != "" {
		props["RedactedFields"] = []any{obj{"SingleHeader": obj{"Name": strings.ToLower(e.HeaderName)}}}
	}
	return obj{"Type": "AWS::WAFv2::LoggingConfiguration", "Condition": "LogsOn", "Properties": props}
}

// alnum keeps the letters and digits of s (CloudFormation logical ids).
func alnum(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
