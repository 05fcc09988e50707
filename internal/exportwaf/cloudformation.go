package exportwaf

import (
	"encoding/json"
	"strings"
)

// CloudFormation returns a CloudFormation template (JSON) that creates the
// web ACL, its IP sets, and its association with the user pool given as the
// UserPoolArn parameter. The proxy header's value is the NoEcho parameter
// ProxyHeaderValue; the template never holds it.
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
	resources["WebACL"] = obj{"Type": "AWS::WAFv2::WebACL", "Properties": acl}
	resources["WebACLAssociation"] = obj{"Type": "AWS::WAFv2::WebACLAssociation", "Properties": obj{
		"ResourceArn": obj{"Ref": "UserPoolArn"},
		"WebACLArn":   obj{"Fn::GetAtt": []any{"WebACL", "Arn"}},
	}}
	params := obj{"UserPoolArn": obj{
		"Type":        "String",
		"Description": "ARN of the Cognito user pool to protect (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID).",
	}}
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
		"Resources":                resources,
		"Outputs":                  obj{"WebACLArn": obj{"Value": obj{"Fn::GetAtt": []any{"WebACL", "Arn"}}}},
	}
	return json.MarshalIndent(tmpl, "", "  ")
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
