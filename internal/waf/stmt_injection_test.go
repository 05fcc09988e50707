package waf

import "testing"

func TestSqliMatchStatement(t *testing.T) {
	stmt := func(level string) string {
		return `{"SqliMatchStatement":{"FieldToMatch":{"SingleQueryArgument":{"Name":"q"}},"TextTransformations":[{"Priority":0,"Type":"URL_DECODE"}],"SensitivityLevel":"` + level + `"}}`
	}
	runStmtCases(t, stmt("LOW"), nil, testOptions(), []stmtCase{
		{"tautology", testRequest{URI: "/?q=1%27%20OR%20%271%27%3D%271"}, true},
		{"union", testRequest{URI: "/?q=1%20UNION%20SELECT%20password%20FROM%20users"}, true},
		{"plain words", testRequest{URI: "/?q=hello%20world"}, false},
		{"empty", testRequest{URI: "/?q="}, false},
	})
	runStmtCases(t, stmt("HIGH"), nil, testOptions(), []stmtCase{
		{"comment", testRequest{URI: "/?q=admin%27--"}, true},
		{"plain words", testRequest{URI: "/?q=hello%20world"}, false},
	})
}

func TestXssMatchStatement(t *testing.T) {
	stmt := `{"XssMatchStatement":{"FieldToMatch":{"Body":{}},"TextTransformations":[{"Priority":0,"Type":"HTML_ENTITY_DECODE"}]}}`
	runStmtCases(t, stmt, nil, testOptions(), []stmtCase{
		{"script tag", testRequest{Body: "<script>alert(1)</script>"}, true},
		{"entity encoded handler", testRequest{Body: "&lt;img src=x onerror=alert(1)&gt;"}, true},
		{"plain text", testRequest{Body: "hello <world"}, false},
	})
}
