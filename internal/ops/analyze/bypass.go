package analyze

import (
	"cmp"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
)

// DefaultTolerance is how far apart a CloudTrail event and the proxy's
// record of the same call may be. CloudTrail's eventTime has whole
// seconds; the proxy logs when it started reading the request.
const DefaultTolerance = 60 * time.Second

// Reasons a call is counted as having bypassed the proxy.
const (
	ReasonNotEgress = "source not a proxy egress address"
	ReasonNoRecord  = "no proxy record of the call"
)

// BypassOptions configures Bypass.
type BypassOptions struct {
	// Egress are the proxy's egress addresses; an event from any other
	// source bypassed the proxy. Empty: only unmatched events count.
	Egress []netip.Addr
	// Tolerance is the largest time difference between an event and the
	// proxy record it matches (DefaultTolerance if 0).
	Tolerance time.Duration
}

// BypassRow is a group of Cognito calls that did not pass the proxy.
type BypassRow struct {
	Operation, Class, SourceIP, Reason string
	Calls                              int64
	First, Last                        time.Time
	UserAgent                          string // of the first call
}

// BypassReport is the result of comparing CloudTrail with the WAF log.
type BypassReport struct {
	Counts
	Events    int64 // Cognito user pools API events in CloudTrail
	Matched   int64 // events matched to a proxy record
	HostedUI  int64 // CloudTrail events that are not API operations (Hosted UI), not compared
	Forwarded int64 // proxy records of calls forwarded to Cognito
	Rows      []BypassRow
}

// Bypassed returns the number of events in Rows.
func (b *BypassReport) Bypassed() int64 {
	var n int64
	for _, r := range b.Rows {
		n += r.Calls
	}
	return n
}

type trailEvent struct {
	ts                 int64
	op, client, ip, ua string
}

type callKey struct{ op, client string }

// Bypass reads CloudTrail logs and WAF logs (any mix; the format is
// detected per file) and returns the Cognito API calls that reached Cognito
// without passing the proxy: from a source that is not one of the egress
// addresses, or with no forwarded proxy record of the same operation and
// app client within the tolerance. Each proxy record matches one event at
// most.
func Bypass(files []string, f Filter, opts BypassOptions, stdin io.Reader) (*BypassReport, error) {
	tol := cmp.Or(opts.Tolerance, DefaultTolerance).Milliseconds()
	rep := &BypassReport{}
	var events []trailEvent
	proxied := map[callKey][]int64{}
	err := readRecords(files, stdin, newSpan(f.From, f.To), &rep.Counts, func(r *record) {
		if !r.trail {
			if r.forwarded {
				op := r.upOp
				if len(op) == 0 {
					op = operation(r)
				}
				k := callKey{string(op), string(r.clientID)}
				proxied[k] = append(proxied[k], r.ts)
				rep.Forwarded++
			}
			return
		}
		if _, ok := cognito.Lookup(string(r.operation)); !ok {
			rep.HostedUI++
			return
		}
		rep.Events++
		events = append(events, trailEvent{r.ts, string(r.operation), string(r.clientID), string(r.clientIP), string(r.userAgent)})
	})
	if err != nil {
		return nil, err
	}
	if rep.Events > 0 && rep.Forwarded == 0 {
		return nil, fmt.Errorf("no forwarded proxy records among the WAF logs: give the proxy's WAF log for the same period")
	}
	slices.SortFunc(events, func(a, b trailEvent) int { return cmp.Compare(a.ts, b.ts) })
	for _, ts := range proxied {
		slices.Sort(ts)
	}
	next := map[callKey]int{} // the first unmatched proxy record per call
	type groupKey struct{ op, ip, reason string }
	groups := map[groupKey]*BypassRow{}
	for _, e := range events {
		reason := ""
		if len(opts.Egress) > 0 && !isEgress(e.ip, opts.Egress) {
			reason = ReasonNotEgress
		} else {
			k := callKey{e.op, e.client}
			ts, i := proxied[k], next[k]
			for i < len(ts) && ts[i] < e.ts-tol {
				i++ // too early for this and every later event
			}
			if i < len(ts) && ts[i] <= e.ts+tol {
				i++
				rep.Matched++
			} else {
				reason = ReasonNoRecord
			}
			next[k] = i
		}
		if reason == "" {
			continue
		}
		g := groupKey{e.op, e.ip, reason}
		row := groups[g]
		if row == nil {
			row = &BypassRow{Operation: e.op, Class: classOf(e.op), SourceIP: e.ip, Reason: reason, First: msTime(e.ts), UserAgent: e.ua}
			groups[g] = row
		}
		row.Calls++
		row.Last = msTime(e.ts)
	}
	for _, r := range groups {
		rep.Rows = append(rep.Rows, *r)
	}
	slices.SortFunc(rep.Rows, func(a, b BypassRow) int {
		return cmp.Or(cmp.Compare(b.Calls, a.Calls), cmp.Compare(a.Operation, b.Operation), cmp.Compare(a.SourceIP, b.SourceIP), cmp.Compare(a.Reason, b.Reason))
	})
	return rep, nil
}

// isEgress reports whether the source (an address, or an AWS service name)
// is one of the egress addresses.
func isEgress(source string, egress []netip.Addr) bool {
	a, err := netip.ParseAddr(source)
	return err == nil && slices.Contains(egress, a.Unmap())
}

func bypassTable(rep *BypassReport) Table {
	t := Table{Columns: []string{"operation", "class", "source_ip", "reason", "calls", "first_seen", "last_seen", "user_agent"}}
	for _, r := range rep.Rows {
		t.Rows = append(t.Rows, []any{r.Operation, r.Class, r.SourceIP, r.Reason, r.Calls, r.First, r.Last, r.UserAgent})
	}
	return t
}
