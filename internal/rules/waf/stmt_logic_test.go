package waf

import "testing"

func pathIs(p string) string {
	return `{"ByteMatchStatement":{"SearchString":"` + p + `","FieldToMatch":{"UriPath":{}},"TextTransformations":` + tNONE + `,"PositionalConstraint":"STARTS_WITH"}}`
}

func methodIs(m string) string {
	return `{"ByteMatchStatement":{"SearchString":"` + m + `","FieldToMatch":{"Method":{}},"TextTransformations":` + tNONE + `,"PositionalConstraint":"EXACTLY"}}`
}

func TestAndStatement(t *testing.T) {
	runStmtCases(t, `{"AndStatement":{"Statements":[`+pathIs("/a")+`,`+methodIs("GET")+`]}}`, nil, testOptions(), []stmtCase{
		{"both", testRequest{Method: "GET", URI: "/a"}, true},
		{"first only", testRequest{Method: "POST", URI: "/a"}, false},
		{"second only", testRequest{Method: "GET", URI: "/b"}, false},
		{"neither", testRequest{Method: "POST", URI: "/b"}, false},
	})
}

func TestOrStatement(t *testing.T) {
	runStmtCases(t, `{"OrStatement":{"Statements":[`+pathIs("/a")+`,`+methodIs("GET")+`]}}`, nil, testOptions(), []stmtCase{
		{"both", testRequest{Method: "GET", URI: "/a"}, true},
		{"first only", testRequest{Method: "POST", URI: "/a"}, true},
		{"second only", testRequest{Method: "GET", URI: "/b"}, true},
		{"neither", testRequest{Method: "POST", URI: "/b"}, false},
	})
}

func TestNotStatement(t *testing.T) {
	runStmtCases(t, `{"NotStatement":{"Statement":`+pathIs("/a")+`}}`, nil, testOptions(), []stmtCase{
		{"inner matches", testRequest{URI: "/a"}, false},
		{"inner does not match", testRequest{URI: "/b"}, true},
	})
}
