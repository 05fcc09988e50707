package waf

import "testing"

func TestRegexMatchStatement(t *testing.T) {
	stmt := `{"RegexMatchStatement":{"RegexString":"^[a-z]+-[0-9]{3}$","FieldToMatch":{"SingleQueryArgument":{"Name":"id"}},"TextTransformations":[{"Priority":1,"Type":"LOWERCASE"},{"Priority":0,"Type":"URL_DECODE"}]}}`
	runStmtCases(t, stmt, nil, testOptions(), []stmtCase{
		{"match", testRequest{URI: "/?id=abc-123"}, true},
		{"after transformations in priority order", testRequest{URI: "/?ID=ABC%2D123"}, true},
		{"no match", testRequest{URI: "/?id=abc-12"}, false},
		{"argument missing", testRequest{URI: "/?x=abc-123"}, false},
	})
}

func TestRegexPatternSetReferenceStatement(t *testing.T) {
	o := testOptions()
	o.RegexPatternSets = map[string][]string{"targets": {`^AWSCognitoIdentityProviderService\.InitiateAuth$`, `(?i)getuser$`}}
	stmt := `{"RegexPatternSetReferenceStatement":{"ARN":"arn:aws:wafv2:eu-central-1:143338761663:regional/regexpatternset/targets/bc6f","FieldToMatch":{"SingleHeader":{"Name":"x-amz-target"}},"TextTransformations":` + tNONE + `}}`
	runStmtCases(t, stmt, nil, o, []stmtCase{
		{"first pattern", testRequest{Headers: hdrs("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")}, true},
		{"second pattern, its own flag", testRequest{Headers: hdrs("X-Amz-Target", "x.GETUSER")}, true},
		{"flag does not leak to the first", testRequest{Headers: hdrs("X-Amz-Target", "awscognitoidentityproviderservice.initiateauth")}, false},
		{"none", testRequest{Headers: hdrs("X-Amz-Target", "AWSCognitoIdentityProviderService.SignUp")}, false},
	})
}
