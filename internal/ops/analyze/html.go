package analyze

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"os"
	"slices"
	"time"
)

//go:embed report.html.tmpl
var reportTemplate string

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}).Parse(reportTemplate))

// maxChartBins bounds the points of a time chart; longer spans are
// charted in coarser bins.
const maxChartBins = 1000

// reportData is what the template and its script read.
type reportData struct {
	Command  string
	Title    string
	Sources  []sourceRow
	Files    []string
	From, To string
	Records  int64
	Window   string
	Peaks    []flaggedPeak
	Recs     []Recommendation
	Headroom float64
	Chart    chartData
}

// chartData is serialised into the page for its script.
type chartData struct {
	BinMs      int64              `json:"binMs"`
	Bins       []int64            `json:"bins"`
	Categories map[string][]int64 `json:"categories"`
	Actions    map[string][]int64 `json:"actions"`
	TopIPs     []ipBar            `json:"topIPs"`
}

type ipBar struct {
	IP       string `json:"ip"`
	Requests int64  `json:"requests"`
}

func chart(s *Stats) chartData {
	c := chartData{Categories: map[string][]int64{}, Actions: map[string][]int64{}}
	for _, ip := range s.TopIPs(15) {
		c.TopIPs = append(c.TopIPs, ipBar{ip.IP, ip.Count})
	}
	if len(s.bins) == 0 {
		return c
	}
	keys := make([]int64, 0, len(s.bins))
	for k := range s.bins {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	first, last := keys[0], keys[len(keys)-1]
	factor := (last-first)/maxChartBins + 1
	n := (last-first)/factor + 1
	c.BinMs = s.binMs * factor
	for i := range n {
		c.Bins = append(c.Bins, (first+i*factor)*s.binMs)
	}
	for cat := range numCategories {
		c.Categories[cat.String()] = make([]int64, n)
	}
	act := make([][]int64, numActions)
	for a := range act {
		act[a] = make([]int64, n)
	}
	for k, b := range s.bins {
		i := (k - first) / factor
		for cat := range numCategories {
			c.Categories[cat.String()][i] += b.cat[cat]
		}
		for a := range numActions {
			act[a][i] += b.action[a]
		}
	}
	for a, series := range act {
		if slices.ContainsFunc(series, func(v int64) bool { return v > 0 }) {
			c.Actions[actionNames[a]] = series
		}
	}
	return c
}

// WriteHTML writes the self-contained report: charts of requests per
// category over time, blocked vs allowed, the top source IPs, and the
// peak-rates and recommend tables. It loads nothing from the network.
func WriteHTML(w io.Writer, s *Stats, command string, files []string, ro RecommendOptions) error {
	d := reportData{Command: command, Title: reportTitles[command], Files: files, Records: s.Records, Window: s.Window.String(),
		Recs: s.Recommend(ro), Headroom: ro.Headroom, Chart: chart(s), Sources: sources(s, 15)}
	for _, p := range s.Peaks(5) {
		d.Peaks = append(d.Peaks, flaggedPeak{p, hostileReason(s.perIP[s.ips[p.IP]])})
	}
	if s.Records > 0 {
		d.From = time.UnixMilli(s.First).UTC().Format(time.RFC3339)
		d.To = time.UnixMilli(s.Last).UTC().Format(time.RFC3339)
	}
	return reportTmpl.Execute(w, d)
}

func writeHTMLFile(path string, s *Stats, o *Options) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := WriteHTML(f, s, o.Command, o.Files, o.recommendOptions()); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// reportTitles are the report's title per analyze command.
var reportTitles = map[string]string{
	"peak-rates":  "Peak request rates per source and action category",
	"recommend":   "Rate limit recommendations from legitimate traffic",
	"top-callers": "Top callers of one operation",
	"errors":      "Sources with the most errors",
}

// flaggedPeak is a peak with the reason its source is judged hostile ("" if
// it is not): a peak an attacker drove.
type flaggedPeak struct {
	PeakRow
	Hostile string
}

// sourceRow is one source in the report's source table.
type sourceRow struct {
	IP                string
	Requests, Blocked int64
	BlockedShare      string
	Hostile           string
}

// sources returns the n sources with the most requests, with the share of
// their requests the web ACL stopped and why each is judged hostile.
func sources(s *Stats, n int) []sourceRow {
	var out []sourceRow
	for _, ip := range s.TopIPs(n) {
		c := s.perIP[s.ips[ip.IP]]
		out = append(out, sourceRow{ip.IP, c.requests, c.blocked,
			fmt.Sprintf("%.0f%%", 100*float64(c.blocked)/float64(max(c.requests, 1))), hostileReason(c)})
	}
	return out
}
