// Package audit inspects an Amazon Cognito user pool and its app clients
// (DescribeUserPool, ListUserPoolClients, DescribeUserPoolClient) for the
// settings that let users or callers go around poolguard, and says how to
// fix each: `poolguard audit`.
//
// Fetching and checking are separate: Fetch reads a pool into a Snapshot;
// Check is a pure function of a Snapshot and the proxy's configuration.
package audit

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Severity ranks a finding. The zero value is Info.
type Severity int

// The severities, lowest first.
const (
	Info Severity = iota
	Low
	Medium
	High
)

var severityNames = [...]string{"info", "low", "medium", "high"}

// String returns "info", "low", "medium" or "high".
func (s Severity) String() string {
	if s < Info || s > High {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalJSON encodes s as its name.
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// ParseSeverity returns the severity named s.
func ParseSeverity(s string) (Severity, bool) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), true
		}
	}
	return 0, false
}

// ExitCode is the process exit code for a worst finding of severity s:
// 0 for none or info, 1 for low or medium, 2 for high. (3 means the audit
// itself failed.)
func ExitCode(worst Severity, any bool) int {
	switch {
	case !any || worst == Info:
		return 0
	case worst == High:
		return 2
	}
	return 1
}

// Finding is one problem in a pool or app client.
type Finding struct {
	// ID names the check, e.g. "writable-custom-attributes"; stable across
	// releases, used as the SARIF rule id.
	ID string `json:"id"`
	// Severity ranks the finding.
	Severity Severity `json:"severity"`
	// PoolID is the user pool.
	PoolID string `json:"user_pool_id"`
	// ClientID and ClientName name the app client; empty for a pool setting.
	ClientID   string `json:"client_id,omitempty"`
	ClientName string `json:"client_name,omitempty"`
	// Title says what is wrong in one line.
	Title string `json:"title"`
	// Reason says why it matters.
	Reason string `json:"reason"`
	// Console is the fix in the AWS console's words.
	Console string `json:"fix_console"`
	// API is the fix as an API call and field.
	API string `json:"fix_api"`
}

// Resource returns "pool" or "pool/client" for f.
func (f *Finding) Resource() string {
	if f.ClientID == "" {
		return f.PoolID
	}
	if f.ClientName != "" {
		return f.PoolID + " client " + f.ClientName + " (" + f.ClientID + ")"
	}
	return f.PoolID + " client " + f.ClientID
}
