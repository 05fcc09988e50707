package analyze

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Table is a report: named columns and rows of string, int64, float64 or
// time.Time cells.
type Table struct {
	Columns []string
	Rows    [][]any
}

// PeakRow is one row of peak-rates: a source IP's requests in one bin.
type PeakRow struct {
	Category Category
	Bin      time.Time
	IP       string
	Requests int64
}

// Peaks returns, per category in name order, the top n (category, IP, bin)
// counts, ordered as that article's query orders them: by requests, then by the later
// bin (then by IP, for a stable answer).
func (s *Stats) Peaks(n int) []PeakRow {
	var per [numCategories][]PeakRow
	for k, c := range s.peaks {
		per[k.cat] = append(per[k.cat], PeakRow{k.cat, time.UnixMilli(k.bin * s.binMs).UTC(), s.ipNames[k.ip], c})
	}
	var out []PeakRow
	for _, rows := range per {
		slices.SortFunc(rows, func(a, b PeakRow) int {
			return cmp.Or(cmp.Compare(b.Requests, a.Requests), b.Bin.Compare(a.Bin), cmp.Compare(a.IP, b.IP))
		})
		out = append(out, rows[:min(n, len(rows))]...)
	}
	return out
}

func peakTable(s *Stats, n int) Table {
	t := Table{Columns: []string{"category", "bin_start", "client_ip", "requests"}}
	for _, r := range s.Peaks(n) {
		t.Rows = append(t.Rows, []any{r.Category.String(), r.Bin, r.IP, r.Requests})
	}
	return t
}

// IPCount is a source IP and a count.
type IPCount struct {
	IP    string
	Count int64
}

// TopCallers returns the n source IPs with the most requests to the
// filter's operation (the CloudFront proxy article's InitiateAuth query).
func (s *Stats) TopCallers(n int) []IPCount {
	out := make([]IPCount, 0, len(s.callers))
	for ip, c := range s.callers {
		out = append(out, IPCount{s.ipNames[ip], c})
	}
	return topN(out, n)
}

// TopIPs returns the n source IPs with the most requests.
func (s *Stats) TopIPs(n int) []IPCount {
	out := make([]IPCount, 0, len(s.perIP))
	for ip, c := range s.perIP {
		out = append(out, IPCount{s.ipNames[ip], c.requests})
	}
	return topN(out, n)
}

func topN(xs []IPCount, n int) []IPCount {
	slices.SortFunc(xs, func(a, b IPCount) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.IP, b.IP)) })
	return xs[:min(n, len(xs))]
}

func callersTable(s *Stats, n int) Table {
	t := Table{Columns: []string{"client_ip", "requests"}}
	for _, c := range s.TopCallers(n) {
		t.Rows = append(t.Rows, []any{c.IP, c.Count})
	}
	return t
}

// ErrorRow is one source IP's error counts.
type ErrorRow struct {
	IP                                          string
	Requests, Blocked, UpstreamErrors, ProxyErr int64
}

// Errors returns the errors of a row: upstream answers ≥ 400 and the
// proxy's own error answers (web ACL blocks are counted apart).
func (r ErrorRow) Errors() int64 { return r.UpstreamErrors + r.ProxyErr }

// ErrorRate returns Errors over Requests.
func (r ErrorRow) ErrorRate() float64 { return float64(r.Errors()) / float64(r.Requests) }

// TopErrors returns the n source IPs with the most errors, then the
// highest error rate.
func (s *Stats) TopErrors(n int) []ErrorRow {
	var out []ErrorRow
	for ip, c := range s.perIP {
		if c.upstreamErrors+c.proxyErrors == 0 {
			continue
		}
		out = append(out, ErrorRow{s.ipNames[ip], c.requests, c.blocked, c.upstreamErrors, c.proxyErrors})
	}
	slices.SortFunc(out, func(a, b ErrorRow) int {
		return cmp.Or(cmp.Compare(b.Errors(), a.Errors()), cmp.Compare(b.ErrorRate(), a.ErrorRate()), cmp.Compare(a.IP, b.IP))
	})
	return out[:min(n, len(out))]
}

func errorsTable(s *Stats, n int) Table {
	t := Table{Columns: []string{"client_ip", "requests", "errors", "upstream_errors", "proxy_errors", "blocked", "error_rate"}}
	for _, r := range s.TopErrors(n) {
		t.Rows = append(t.Rows, []any{r.IP, r.Requests, r.Errors(), r.UpstreamErrors, r.ProxyErr, r.Blocked, r.ErrorRate()})
	}
	return t
}

// formatCell renders a cell for the table and CSV outputs.
func formatCell(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return fmt.Sprint(x)
	case float64:
		return fmt.Sprintf("%.3f", x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}
