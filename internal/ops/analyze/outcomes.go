package analyze

import (
	"cmp"
	"io"
	"net/netip"
	"slices"
)

// OutcomeRow is one source's or user's classified Cognito answers, as the
// proxy's attack protection logged them (poolguard.outcome.answer).
type OutcomeRow struct {
	// Key is the client IP, the network (a /24 or /64 prefix) or the
	// keyed hash of the user (poolguard.outcome.user).
	Key                                    string
	Successes, WrongCredentials, Unknown   int64
	BadCodes, Throttled, SMSSent, Requests int64
}

// Failures are the failed attempts at a secret: wrong credentials,
// unknown users and wrong codes.
func (r *OutcomeRow) Failures() int64 { return r.WrongCredentials + r.Unknown + r.BadCodes }

// FailureRatio is Failures over Failures plus Successes, 0 without either.
func (r *OutcomeRow) FailureRatio() float64 {
	n := r.Failures() + r.Successes
	if n == 0 {
		return 0
	}
	return float64(r.Failures()) / float64(n)
}

func (r *OutcomeRow) add(answer string) {
	r.Requests++
	switch answer {
	case "success":
		r.Successes++
	case "wrong_credentials":
		r.WrongCredentials++
	case "unknown_user":
		r.Unknown++
	case "bad_code":
		r.BadCodes++
	case "throttled":
		r.Throttled++
	case "sms_sent":
		r.SMSSent++
	}
}

// Outcomes is what `analyze outcomes` learns from one pass over the
// proxy's WAF logs: the answers per client IP, per network and per user.
type Outcomes struct {
	Counts
	// Untracked counts records without a poolguard.outcome answer (calls
	// the attack protection does not count, AWS's own logs).
	Untracked        int64
	ips, nets, users map[string]*OutcomeRow
}

// ScanOutcomes reads the WAF logs and counts the classified answers inside
// the filter's time range.
func ScanOutcomes(files []string, f Filter, stdin io.Reader) (*Outcomes, error) {
	o := &Outcomes{ips: map[string]*OutcomeRow{}, nets: map[string]*OutcomeRow{}, users: map[string]*OutcomeRow{}}
	err := readRecords(files, stdin, newSpan(f.From, f.To), &o.Counts, o.add)
	return o, err
}

func (o *Outcomes) add(r *record) {
	if len(r.answer) == 0 || r.trail {
		o.Untracked++
		return
	}
	answer := string(r.answer)
	if a, err := netip.ParseAddr(string(r.clientIP)); err == nil {
		a = a.Unmap()
		bits := 24
		if a.Is6() {
			bits = 64
		}
		row(o.ips, a.String()).add(answer)
		p, _ := a.Prefix(bits)
		row(o.nets, p.String()).add(answer)
	}
	if len(r.userHash) > 0 {
		row(o.users, string(r.userHash)).add(answer)
	}
}

func row(m map[string]*OutcomeRow, k string) *OutcomeRow {
	r := m[k]
	if r == nil {
		r = &OutcomeRow{Key: k}
		m[k] = r
	}
	return r
}

// rank returns at most top rows of m, most failures first, then highest
// failure ratio, then most requests, then by key.
func rank(m map[string]*OutcomeRow, top int) []*OutcomeRow {
	out := make([]*OutcomeRow, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *OutcomeRow) int {
		return cmp.Or(cmp.Compare(b.Failures(), a.Failures()), cmp.Compare(b.FailureRatio(), a.FailureRatio()),
			cmp.Compare(b.Requests, a.Requests), cmp.Compare(a.Key, b.Key))
	})
	if top > 0 && len(out) > top {
		out = out[:top]
	}
	return out
}

// ByIP, ByNetwork and ByUser return at most top rows, most failures first.
func (o *Outcomes) ByIP(top int) []*OutcomeRow      { return rank(o.ips, top) }
func (o *Outcomes) ByNetwork(top int) []*OutcomeRow { return rank(o.nets, top) }
func (o *Outcomes) ByUser(top int) []*OutcomeRow    { return rank(o.users, top) }

func outcomesTable(keyName string, rows []*OutcomeRow) Table {
	t := Table{Columns: []string{keyName, "failures", "failure_ratio", "successes", "wrong_credentials", "unknown_user",
		"bad_code", "throttled", "sms_sent", "requests"}}
	for _, r := range rows {
		t.Rows = append(t.Rows, []any{r.Key, r.Failures(), float64(int(r.FailureRatio()*1000+0.5)) / 1000, r.Successes,
			r.WrongCredentials, r.Unknown, r.BadCodes, r.Throttled, r.SMSSent, r.Requests})
	}
	return t
}
