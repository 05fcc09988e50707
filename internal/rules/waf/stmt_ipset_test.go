package waf

import (
	"strings"
	"testing"
)

func TestIPSetReferenceStatement(t *testing.T) {
	arn := `"arn:aws:wafv2:eu-central-1:1:regional/ipset/good/x"`
	runStmtCases(t, `{"IPSetReferenceStatement":{"ARN":`+arn+`}}`, nil, testOptions(), []stmtCase{
		{"inside", testRequest{ClientIP: "192.0.2.200"}, true},
		{"outside", testRequest{ClientIP: "192.0.3.1"}, false},
		{"mapped v4", testRequest{ClientIP: "::ffff:192.0.2.1"}, true},
		// Without IPSetForwardedIPConfig the statement reads the client
		// address the proxy resolved (trusted proxies), never the TCP peer.
		{"client inside, peer (a trusted proxy) outside", testRequest{ClientIP: "192.0.2.7", PeerIP: "10.0.0.1"}, true},
		{"peer inside, client outside", testRequest{ClientIP: "198.51.100.7", PeerIP: "192.0.2.1"}, false},
	})
	for _, tt := range []struct {
		pos, fallback string
		cases         []stmtCase
	}{
		{"FIRST", "NO_MATCH", []stmtCase{
			{"first listed", testRequest{Headers: hdrs("X-Forwarded-For", "192.0.2.1, 10.0.0.1")}, true},
			{"second listed", testRequest{Headers: hdrs("X-Forwarded-For", "10.0.0.1, 192.0.2.1")}, false},
			{"header missing: client IP not used", testRequest{ClientIP: "192.0.2.1"}, false},
			{"invalid: NO_MATCH", testRequest{Headers: hdrs("X-Forwarded-For", "junk")}, false},
		}},
		{"LAST", "MATCH", []stmtCase{
			{"last listed", testRequest{Headers: hdrs("X-Forwarded-For", "10.0.0.1, 192.0.2.1")}, true},
			{"invalid: MATCH", testRequest{Headers: hdrs("X-Forwarded-For", "10.0.0.1, junk")}, true},
			// The last address follows the last comma, even when that
			// comma is the header's first byte.
			{"leading comma, last outside", testRequest{Headers: hdrs("X-Forwarded-For", ",10.0.0.1")}, false},
		}},
		{"FIRST", "MATCH", []stmtCase{
			{"invalid first: MATCH", testRequest{Headers: hdrs("X-Forwarded-For", "junk, 10.0.0.1")}, true},
			{"valid first outside", testRequest{Headers: hdrs("X-Forwarded-For", "10.0.0.1, junk")}, false},
			{"header missing: no match", testRequest{ClientIP: "192.0.2.1"}, false},
		}},
		{"ANY", "NO_MATCH", []stmtCase{
			{"middle", testRequest{Headers: hdrs("X-Forwarded-For", "10.0.0.1, 192.0.2.1, 10.0.0.2")}, true},
			{"none", testRequest{Headers: hdrs("X-Forwarded-For", "10.0.0.1, 10.0.0.2")}, false},
			{"invalid: NO_MATCH", testRequest{Headers: hdrs("X-Forwarded-For", "10.0.0.1, junk")}, false},
			{"invalid then inside", testRequest{Headers: hdrs("X-Forwarded-For", "junk, 192.0.2.1")}, true},
			// ANY inspects the first 10 addresses only, as AWS WAF does.
			{"tenth inside", testRequest{Headers: hdrs("X-Forwarded-For", strings.Repeat("10.0.0.1, ", 9)+"192.0.2.1")}, true},
			{"eleventh inside: not inspected", testRequest{Headers: hdrs("X-Forwarded-For", strings.Repeat("10.0.0.1, ", 10)+"192.0.2.1")}, false},
		}},
		{"ANY", "MATCH", []stmtCase{
			{"invalid entry: MATCH", testRequest{Headers: hdrs("X-Forwarded-For", "10.0.0.1, junk")}, true},
			{"only invalid: MATCH", testRequest{Headers: hdrs("X-Forwarded-For", "junk")}, true},
			{"all valid, none inside", testRequest{Headers: hdrs("X-Forwarded-For", "10.0.0.1, 10.0.0.2")}, false},
			{"header missing: no match", testRequest{ClientIP: "192.0.2.1"}, false},
		}},
	} {
		t.Run(tt.pos+" "+tt.fallback, func(t *testing.T) {
			stmt := `{"IPSetReferenceStatement":{"ARN":` + arn + `,"IPSetForwardedIPConfig":{"HeaderName":"X-Forwarded-For","FallbackBehavior":"` + tt.fallback + `","Position":"` + tt.pos + `"}}}`
			runStmtCases(t, stmt, nil, testOptions(), tt.cases)
		})
	}
}
