package analyze

import (
	"cmp"
	"io"
	"slices"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
)

// OpRow is one Cognito operation seen in the logs.
type OpRow struct {
	Operation string
	// Class is the operation's class in Cognito's table (public, token,
	// iam), or "unknown" for a name Cognito does not have.
	Class       string
	Calls       int64
	Blocked     int64 // blocked by the web ACL (WAF logs only)
	First, Last time.Time
}

// Flag returns why an app should never send the operation, or "".
func (o OpRow) Flag() string {
	switch o.Class {
	case cognito.IAM.String():
		return "IAM-signed: apps never send it"
	case "unknown":
		return "not a Cognito user pools operation"
	}
	return ""
}

// FlowRow is one app client's use of one AuthFlow.
type FlowRow struct {
	ClientID, AuthFlow string
	Calls              int64
	First, Last        time.Time
}

// seen counts calls between a first and a last time (ms).
type seen struct {
	calls, blocked int64
	first, last    int64
}

func (s *seen) add(ts int64, blocked bool) {
	if s.calls == 0 || ts < s.first {
		s.first = ts
	}
	if ts > s.last {
		s.last = ts
	}
	s.calls++
	if blocked {
		s.blocked++
	}
}

type flowKey struct{ client, flow string }

// Operations is what `analyze operations` learns from one pass over WAF or
// CloudTrail logs: the Cognito operations called and, per app client, the
// AuthFlow values of its sign-ins.
type Operations struct {
	Counts
	// NoOperation counts records without a Cognito API operation (Hosted
	// UI paths and CloudTrail's Hosted UI events, other requests).
	NoOperation int64

	ops   map[string]*seen
	flows map[flowKey]*seen
	// upstream counts the operations the proxy sent upstream in place of
	// the client's (poolguard.upstreamOperation), by name.
	upstream map[string]*seen
}

// ScanOperations reads the files (WAF or CloudTrail logs, detected per
// file) and counts the operations called inside the filter's time range.
func ScanOperations(files []string, f Filter, stdin io.Reader) (*Operations, error) {
	o := &Operations{ops: map[string]*seen{}, flows: map[flowKey]*seen{}, upstream: map[string]*seen{}}
	err := readRecords(files, stdin, newSpan(f.From, f.To), &o.Counts, o.add)
	return o, err
}

func (o *Operations) add(r *record) {
	op := operation(r)
	if len(op) == 0 || r.trail && !isOperation(op) { // CloudTrail's Hosted UI events: Login_GET, ...
		o.NoOperation++
		return
	}
	s := o.ops[string(op)]
	if s == nil {
		s = &seen{}
		o.ops[string(op)] = s
	}
	blocked := string(r.action) == "BLOCK"
	s.add(r.ts, blocked)
	if len(r.upOp) > 0 && string(r.upOp) != string(op) {
		u := o.upstream[string(r.upOp)]
		if u == nil {
			u = &seen{}
			o.upstream[string(r.upOp)] = u
		}
		u.add(r.ts, false)
	}
	if len(r.authFlow) > 0 {
		k := flowKey{string(r.clientID), string(r.authFlow)}
		f := o.flows[k]
		if f == nil {
			f = &seen{}
			o.flows[k] = f
		}
		f.add(r.ts, blocked)
	}
}

func isOperation(op []byte) bool {
	_, ok := cognito.Lookup(string(op))
	return ok
}

// classOf returns the class name of an operation, or "unknown".
func classOf(op string) string {
	if d, ok := cognito.Lookup(op); ok {
		return d.Class.String()
	}
	return "unknown"
}

func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// Ops returns the operations seen, most called first (then by name).
func (o *Operations) Ops() []OpRow {
	out := make([]OpRow, 0, len(o.ops))
	for name, s := range o.ops {
		out = append(out, OpRow{name, classOf(name), s.calls, s.blocked, msTime(s.first), msTime(s.last)})
	}
	slices.SortFunc(out, func(a, b OpRow) int {
		return cmp.Or(cmp.Compare(b.Calls, a.Calls), cmp.Compare(a.Operation, b.Operation))
	})
	return out
}

// Flows returns the AuthFlow values per app client, by client then most
// used flow.
func (o *Operations) Flows() []FlowRow {
	out := make([]FlowRow, 0, len(o.flows))
	for k, s := range o.flows {
		out = append(out, FlowRow{k.client, k.flow, s.calls, msTime(s.first), msTime(s.last)})
	}
	slices.SortFunc(out, func(a, b FlowRow) int {
		return cmp.Or(cmp.Compare(a.ClientID, b.ClientID), cmp.Compare(b.Calls, a.Calls), cmp.Compare(a.AuthFlow, b.AuthFlow))
	})
	return out
}

func opsTable(o *Operations) Table {
	t := Table{Columns: []string{"operation", "class", "calls", "blocked", "first_seen", "last_seen", "flag"}}
	for _, r := range o.Ops() {
		t.Rows = append(t.Rows, []any{r.Operation, r.Class, r.Calls, r.Blocked, r.First, r.Last, r.Flag()})
	}
	return t
}

func flowsTable(o *Operations) Table {
	t := Table{Columns: []string{"client_id", "auth_flow", "calls", "first_seen", "last_seen"}}
	for _, r := range o.Flows() {
		t.Rows = append(t.Rows, []any{r.ClientID, r.AuthFlow, r.Calls, r.First, r.Last})
	}
	return t
}
