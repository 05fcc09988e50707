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
		// A comment opener alone is not a fingerprint: only HIGH flags it.
		{"comment opener alone: LOW lets it through", testRequest{URI: "/?q=a--b"}, false},
	})
	runStmtCases(t, stmt("HIGH"), nil, testOptions(), []stmtCase{
		{"comment", testRequest{URI: "/?q=admin%27--"}, true},
		{"comment opener alone: HIGH flags it", testRequest{URI: "/?q=a--b"}, true},
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

// TestHighSensitivitySQL: SensitivityLevel HIGH adds SQL comment openers
// and quote-breaking boolean operators to libinjection's fingerprints, in
// any letter case, anywhere in the value (including at its very end).
func TestHighSensitivitySQL(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"admin'--", true},             // line comment
		{"--", true},                   // the whole value
		{"a-b-c", false},               // single dashes
		{"-", false},                   // one byte: no pair
		{"x/*", true},                  // block comment opener at the end
		{"*/", false},                  // a closer alone
		{"a/b*c", false},               // not adjacent
		{"x' or 1=1", true},            // quote-breaking OR
		{`x" and 1=1`, true},           // double quote, AND
		{"x' OR 1=1", true},            // upper case
		{"x' AnD 1=1", true},           // mixed case, A at the alphabet's start
		{"x' or ", true},               // the operator ends the value
		{"x' or", false},               // no space after it: not an operator
		{"x'or 1", false},              // no space before it
		{"x' nor 1", false},            // another word
		{"x' order by", false},         // a word starting with or
		{"it's orange and red", false}, // an apostrophe in prose
	} {
		if got := highSensitivitySQL([]byte(tt.in)); got != tt.want {
			t.Errorf("highSensitivitySQL(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
