package waf

import (
	"net/netip"
	"testing"
)

func TestGeoMatchStatement(t *testing.T) {
	runStmtCases(t, `{"GeoMatchStatement":{"CountryCodes":["DE","XX"]}}`, nil, testOptions(), []stmtCase{
		{"listed", testRequest{Country: "DE"}, true},
		{"unlisted", testRequest{Country: "FR"}, false},
		{"unknown is XX", testRequest{}, true},
	})
	o := testOptions()
	o.Country = func(a netip.Addr) string {
		if a == netip.MustParseAddr("81.0.0.1") {
			return "DE"
		}
		return ""
	}
	stmt := `{"GeoMatchStatement":{"CountryCodes":["DE"],"ForwardedIPConfig":{"HeaderName":"X-Real-IP","FallbackBehavior":"MATCH"}}}`
	runStmtCases(t, stmt, nil, o, []stmtCase{
		{"forwarded in DE", testRequest{Country: "FR", Headers: hdrs("X-Real-IP", "81.0.0.1")}, true},
		{"forwarded elsewhere, client in DE", testRequest{Country: "DE", Headers: hdrs("X-Real-IP", "10.0.0.1")}, false},
		{"header missing", testRequest{Country: "DE"}, false},
		{"invalid: MATCH", testRequest{Headers: hdrs("X-Real-IP", "x")}, true},
	})
}
