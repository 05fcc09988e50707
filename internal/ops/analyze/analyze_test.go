package analyze

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/ops/analyze/gen"
)

var start = time.Date(2025, 3, 14, 15, 0, 0, 0, time.UTC)

var (
	logOnce sync.Once
	logPath string
	logDir  string
)

// testLog writes (once) a simulated attack of 40,000 records, plain and
// gzipped in two halves, and returns the plain file and the two halves.
func testLog(t *testing.T) (plain string, halves []string) {
	t.Helper()
	logOnce.Do(func() {
		dir, err := os.MkdirTemp("", "analyze-test")
		if err != nil {
			t.Fatal(err)
		}
		logDir = dir
		var buf bytes.Buffer
		if err := gen.Write(&buf, gen.Simulated(start, 40000)); err != nil {
			t.Fatal(err)
		}
		logPath = filepath.Join(dir, "waf.log")
		os.WriteFile(logPath, buf.Bytes(), 0o644)
		lines := bytes.SplitAfter(buf.Bytes(), []byte("\n"))
		mid := len(lines) / 2
		os.WriteFile(filepath.Join(dir, "a.log"), bytes.Join(lines[:mid], nil), 0o644)
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(bytes.Join(lines[mid:], nil))
		zw.Close()
		os.WriteFile(filepath.Join(dir, "b.log.gz"), gz.Bytes(), 0o644)
	})
	return logPath, []string{filepath.Join(logDir, "a.log"), filepath.Join(logDir, "b.log.gz")}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if logDir != "" {
		os.RemoveAll(logDir)
	}
	os.Exit(code)
}

// options returns DefaultOptions for command over files.
func options(command string, files ...string) Options {
	o := DefaultOptions()
	o.Command, o.Files = command, files
	return o
}

// runJSON runs o with JSON output and decodes it into out.
func runJSON(t *testing.T, out any, o Options) {
	t.Helper()
	var stdout bytes.Buffer
	o.Format = FormatJSON
	if err := Run(context.Background(), o, &stdout); err != nil {
		t.Fatalf("%s: %v", o.Command, err)
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
}

// bruteRecord is a record decoded the slow, obvious way.
type bruteRecord struct {
	Timestamp   int64 `json:"timestamp"`
	Action      string
	HTTPRequest struct {
		ClientIP string `json:"clientIp"`
		URI      string `json:"uri"`
		Headers  []struct{ Name, Value string }
	} `json:"httpRequest"`
	Labels    []struct{ Name string }
	Poolguard *struct {
		Operation      string
		UpstreamStatus int
		ProxyErrorType string
	}
}

func decodeAll(t *testing.T, path string) []bruteRecord {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []bruteRecord
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r bruteRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// bruteCategory follows the AWS WAF article's CASE literally.
func bruteCategory(r bruteRecord) string {
	for _, l := range r.Labels {
		switch l.Name {
		case "awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList",
			"awswaf:managed:aws:amazon-ip-list:AWSManagedReconnaissanceList",
			"awswaf:managed:aws:amazon-ip-list:AWSManagedIPDDoSList":
			return "IPReputation"
		}
	}
	target := ""
	for _, h := range r.HTTPRequest.Headers {
		if strings.EqualFold(h.Name, "x-amz-target") {
			target = h.Value
			break
		}
	}
	in := func(v string, set ...string) bool { return slices.Contains(set, v) }
	const p = "AWSCognitoIdentityProviderService."
	switch {
	case in(target, p+"InitiateAuth", p+"RespondToAuthChallenge"):
		return "SignIn"
	case in(target, p+"ResendConfirmationCode", p+"SignUp", p+"ConfirmSignUp"):
		return "UserCreation"
	case in(target, p+"ForgotPassword", p+"ConfirmForgotPassword"):
		return "AccountRecovery"
	case in(r.HTTPRequest.URI, "/login", "/oauth2/authorize"):
		return "SignIn"
	case in(r.HTTPRequest.URI, "/signup", "/confirmUser", "/resendcode"):
		return "UserCreation"
	case in(r.HTTPRequest.URI, "/forgotPassword", "/confirmForgotPassword"):
		return "AccountRecovery"
	}
	return "Default"
}

type peakJSON struct {
	Category string `json:"category"`
	BinStart string `json:"bin_start"`
	ClientIP string `json:"client_ip"`
	Requests int64  `json:"requests"`
}

// brutePeaks computes the article query's result with a map of strings and a full
// sort, with no code shared with the package.
func brutePeaks(recs []bruteRecord, window time.Duration, top int, from, to time.Time) []peakJSON {
	counts := map[string]int64{}
	for _, r := range recs {
		ts := time.UnixMilli(r.Timestamp)
		if (!from.IsZero() && ts.Before(from)) || (!to.IsZero() && !ts.Before(to)) {
			continue
		}
		bin := time.UnixMilli(r.Timestamp / window.Milliseconds() * window.Milliseconds()).UTC().Format(time.RFC3339)
		counts[bruteCategory(r)+"|"+bin+"|"+r.HTTPRequest.ClientIP]++
	}
	var all []peakJSON
	for k, n := range counts {
		p := strings.Split(k, "|")
		all = append(all, peakJSON{p[0], p[1], p[2], n})
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.Category != b.Category {
			return a.Category < b.Category
		}
		if a.Requests != b.Requests {
			return a.Requests > b.Requests
		}
		if a.BinStart != b.BinStart {
			return a.BinStart > b.BinStart
		}
		return a.ClientIP < b.ClientIP
	})
	var out []peakJSON
	rank := map[string]int{}
	for _, p := range all {
		if rank[p.Category] < top {
			out = append(out, p)
			rank[p.Category]++
		}
	}
	return out
}

func TestPeakRatesMatchesBruteForce(t *testing.T) {
	plain, halves := testLog(t)
	recs := decodeAll(t, plain)
	tests := []struct {
		name     string
		files    []string
		window   time.Duration
		top      int
		from, to time.Time
	}{
		{"defaults", []string{plain}, 5 * time.Minute, 5, time.Time{}, time.Time{}},
		{"plain and gzip halves", halves, 5 * time.Minute, 5, time.Time{}, time.Time{}},
		{"window 1m top 3", []string{plain}, time.Minute, 3, time.Time{}, time.Time{}},
		{"from/to", []string{plain}, 5 * time.Minute, 5,
			start.Add(22*time.Minute + 30*time.Second), start.Add(41 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []peakJSON
			o := options("peak-rates", tt.files...)
			o.Filter.Window, o.Top, o.Filter.From, o.Filter.To = tt.window, tt.top, tt.from, tt.to
			runJSON(t, &got, o)
			want := brutePeaks(recs, tt.window, tt.top, tt.from, tt.to)
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d\ngot  %v\nwant %v", len(got), len(want), got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("row %d: got %+v, want %+v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestSimulatedAttackFound is the acceptance check: peak-rates names
// the attacking IP, its category and its peak, and recommend turns it into
// limits.
func TestSimulatedAttackFound(t *testing.T) {
	plain, _ := testLog(t)
	var peaks []peakJSON
	runJSON(t, &peaks, options("peak-rates", plain))
	top := map[string]peakJSON{}
	for _, p := range peaks {
		if _, ok := top[p.Category]; !ok {
			top[p.Category] = p
		}
	}
	if p := top["SignIn"]; p.ClientIP != "203.0.113.66" || p.Requests < 500 {
		t.Errorf("SignIn peak %+v, want the credential stuffer 203.0.113.66", p)
	}
	if p := top["UserCreation"]; p.ClientIP != "203.0.113.77" {
		t.Errorf("UserCreation peak %+v, want the SignUp bot", p)
	}
	if p := top["IPReputation"]; p.ClientIP != "192.0.2.99" {
		t.Errorf("IPReputation peak %+v", p)
	}

	var rec struct {
		Recommendations []struct {
			Category         string `json:"category"`
			PeakRequests     int64  `json:"peak_requests"`
			RecommendedLimit int64  `json:"recommended_limit"`
		}
		Params   map[string]float64 `json:"params"`
		AWSRules []json.RawMessage  `json:"aws_rules"`
	}
	o := options("recommend", plain)
	o.Headroom, o.AWSRules = 1.2, true
	runJSON(t, &rec, o)
	for _, r := range rec.Recommendations {
		// Every attacker's peak stays over the limit; the limit is never
		// under AWS's minimum.
		if r.RecommendedLimit < MinRateLimit || r.Category == "SignIn" && r.RecommendedLimit >= top["SignIn"].Requests {
			t.Errorf("%s: limit %d (attacker peak %d)", r.Category, r.RecommendedLimit, top[r.Category].Requests)
		}
		if rec.Params[r.Category+"RateLimit"] != float64(r.RecommendedLimit) {
			t.Errorf("param %sRateLimit = %v, want %d", r.Category, rec.Params[r.Category+"RateLimit"], r.RecommendedLimit)
		}
	}
	if rec.Params["EvaluationWindowSec"] != 300 || len(rec.AWSRules) == 0 {
		t.Errorf("params %v, %d AWS rules", rec.Params, len(rec.AWSRules))
	}
	if rules, _ := json.Marshal(rec.AWSRules); !bytes.Contains(rules, []byte(`"Limit":`)) {
		t.Error("AWS rules carry no limits")
	}
}

func TestTopCallersAndErrorsMatchBruteForce(t *testing.T) {
	plain, _ := testLog(t)
	recs := decodeAll(t, plain)
	calls := map[string]int64{}
	type ec struct{ req, errs int64 }
	errs := map[string]ec{}
	for _, r := range recs {
		ip := r.HTTPRequest.ClientIP
		if r.Poolguard.Operation == "InitiateAuth" {
			calls[ip]++
		}
		e := errs[ip]
		e.req++
		if r.Poolguard.UpstreamStatus >= 400 || (r.Poolguard.ProxyErrorType != "" && r.Action == "ALLOW") {
			e.errs++
		}
		errs[ip] = e
	}
	var got []struct {
		IP       string `json:"client_ip"`
		Requests int64  `json:"requests"`
	}
	runJSON(t, &got, options("top-callers", plain))
	if len(got) != 10 || got[0].IP != "203.0.113.66" {
		t.Fatalf("top callers %+v", got)
	}
	for i, g := range got {
		if calls[g.IP] != g.Requests || (i > 0 && g.Requests > got[i-1].Requests) {
			t.Errorf("row %d %+v: brute force says %d", i, g, calls[g.IP])
		}
	}
	var gotErrs []struct {
		IP        string  `json:"client_ip"`
		Requests  int64   `json:"requests"`
		Errors    int64   `json:"errors"`
		ErrorRate float64 `json:"error_rate"`
	}
	runJSON(t, &gotErrs, options("errors", plain))
	if len(gotErrs) == 0 || gotErrs[0].IP != "203.0.113.66" {
		t.Fatalf("errors %+v", gotErrs)
	}
	for _, g := range gotErrs {
		e := errs[g.IP]
		if e.req != g.Requests || e.errs != g.Errors || math.Abs(g.ErrorRate-float64(e.errs)/float64(e.req)) > 1e-9 {
			t.Errorf("%+v: brute force says %d requests %d errors", g, e.req, e.errs)
		}
	}
}

func TestOutputFormats(t *testing.T) {
	plain, _ := testLog(t)
	for _, tt := range []struct {
		format Format
		want   string
	}{
		{FormatTable, "category         bin_start             client_ip     requests\n"},
		{FormatCSV, "category,bin_start,client_ip,requests\n"},
	} {
		var stdout bytes.Buffer
		o := options("peak-rates", plain)
		o.Format = tt.format
		if err := Run(context.Background(), o, &stdout); err != nil {
			t.Fatalf("%v: %v", tt.format, err)
		}
		if !strings.HasPrefix(stdout.String(), tt.want) {
			t.Errorf("%v: output starts %q", tt.format, stdout.String()[:min(120, stdout.Len())])
		}
	}
}

// Check refuses options out of range or foreign to the command, naming
// them as the command line does (cmd/poolguard tests the flags).
func TestCheck(t *testing.T) {
	day := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		want string
		set  func(*Options)
	}{
		{`unknown command "nope"`, func(o *Options) { o.Command = "nope" }},
		{"no log files", func(o *Options) { o.Files = nil }},
		{"AWS evaluation window", func(o *Options) { o.Command, o.Filter.Window = "recommend", 3*time.Minute }},
		{"whole number of seconds", func(o *Options) { o.Filter.Window = 1500 * time.Millisecond }},
		{"--headroom 0.5", func(o *Options) { o.Headroom = 0.5 }},
		{"--to must be after --from", func(o *Options) { o.Filter.From, o.Filter.To = day, day.Add(-time.Hour) }},
		{"--percentile 0", func(o *Options) { o.Percentile = 0 }},
		{"--top -1", func(o *Options) { o.Top = -1 }},
		{"writes no report", func(o *Options) { o.Command, o.HTML = "outcomes", "x.html" }},
		{"use it with recommend --json", func(o *Options) { o.Command, o.AWSRules = "recommend", true }},
		{"flag of operations", func(o *Options) { o.Emit = "allowlist" }},
		{`--emit "list"`, func(o *Options) { o.Command, o.Emit = "operations", "list" }},
		{"--min-calls 0", func(o *Options) { o.Allow.MinCalls = 0 }},
		{"--tolerance 0s", func(o *Options) { o.Bypass.Tolerance = 0 }},
	} {
		o := options("peak-rates", "f")
		tt.set(&o)
		if err := Run(context.Background(), o, io.Discard); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v", tt.want, err)
		}
	}
	if err := Run(context.Background(), options("peak-rates", "/nonexistent/log"), io.Discard); err == nil {
		t.Error("missing file: no error")
	}
	if err := options("peak-rates", "f").Check(); err != nil {
		t.Errorf("DefaultOptions: %v", err)
	}
}

func BenchmarkScan(b *testing.B) {
	var buf bytes.Buffer
	if err := gen.Write(&buf, gen.Simulated(start, 20000)); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s := newStats(Filter{Operation: "InitiateAuth"})
		var r record
		eachLine(bytes.NewReader(data), func(line []byte) { s.add(line, &r) })
	}
}
