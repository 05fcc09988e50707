package analyze

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// trailGolden is a CloudTrail log file in AWS's documented record format
// for Cognito user pool events: calls through the proxy's egress address,
// a credential-stuffing source and a bot calling Cognito directly, a
// backend's IAM call, a Hosted UI event and an S3 event.
const trailGolden = "testdata/cloudtrail/111122223333_CloudTrail_eu-west-1_20250314T1505Z_c0gn1t0a.json"

// trailFiles returns the golden file gzipped as CloudTrail delivers it,
// and the same events one per line.
func trailFiles(t *testing.T) (gz, lines string) {
	t.Helper()
	b, err := os.ReadFile(trailGolden)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	gz = filepath.Join(dir, filepath.Base(trailGolden)+".gz")
	os.WriteFile(gz, buf.Bytes(), 0o644)
	var doc struct{ Records []json.RawMessage }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	for _, r := range doc.Records {
		json.Compact(&buf, r)
		buf.WriteByte('\n')
	}
	lines = filepath.Join(dir, "events.jsonl")
	os.WriteFile(lines, buf.Bytes(), 0o644)
	return gz, lines
}

// proxyLog is the proxy's WAF log for the same minutes: the two sign-ins
// it forwarded for clientA (it logs when it began reading the request, a
// little before Cognito's eventTime).
func proxyLog(t *testing.T) string {
	return writeCalls(t, []call{
		{op: "InitiateAuth", client: "clientA", flow: "USER_SRP_AUTH", n: 1, at: -300 * time.Millisecond, forwarded: true, ip: "192.0.2.10"},
		{op: "InitiateAuth", client: "clientA", flow: "REFRESH_TOKEN_AUTH", n: 1, at: 700 * time.Millisecond, forwarded: true, ip: "192.0.2.11"},
		{op: "SignUp", client: "clientB", n: 1, at: 2 * time.Minute, blocked: true, ip: "192.0.2.12"}, // not forwarded
	})
}

// golden compares got with testdata/golden/NAME, or rewrites it with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

// runCSV runs o with CSV output and returns it.
func runCSV(t *testing.T, o Options) string {
	t.Helper()
	var stdout bytes.Buffer
	o.Format = FormatCSV
	if err := Run(context.Background(), o, &stdout); err != nil {
		t.Fatalf("%s %q: %v", o.Command, o.Files, err)
	}
	return stdout.String()
}

func TestCloudTrailReports(t *testing.T) {
	gz, lines := trailFiles(t)
	tests := []struct {
		golden string
		o      Options
	}{
		{"top-callers.csv", options("top-callers")},
		{"peak-rates.csv", withWindow(options("peak-rates"), time.Minute)},
		{"errors.csv", options("errors")},
		{"operations.csv", options("operations")},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			tt.o.Files = []string{gz}
			got := runCSV(t, tt.o)
			golden(t, tt.golden, got)
			tt.o.Files = []string{lines}
			if again := runCSV(t, tt.o); again != got {
				t.Errorf("one event per line:\n%s\nwant the same as the Records file:\n%s", again, got)
			}
		})
	}
}

func TestCloudTrailCounts(t *testing.T) {
	gz, _ := trailFiles(t)
	s, err := Scan([]string{gz, trailGolden}, Filter{Operation: "InitiateAuth"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Records != 18 || s.Foreign != 2 || s.Malformed != 0 || s.Trail != 18 || s.NoPG != 0 {
		t.Errorf("counts %+v", s.Counts)
	}
	if got := time.UnixMilli(s.First).UTC(); !got.Equal(start) {
		t.Errorf("first %v", got)
	}
}

func TestBypass(t *testing.T) {
	gz, _ := trailFiles(t)
	waf := proxyLog(t)
	tests := []struct {
		golden    string
		files     []string
		egress    []string
		tolerance time.Duration
	}{
		{"bypass-egress.csv", []string{gz, waf}, []string{"198.51.100.10", "2001:db8::10"}, DefaultTolerance},
		{"bypass-records.csv", []string{waf, gz}, nil, DefaultTolerance},
		{"bypass-tight.csv", []string{gz, waf}, []string{"198.51.100.10"}, 200 * time.Millisecond},
	}
	for _, tt := range tests {
		o := options("bypass", tt.files...)
		for _, e := range tt.egress {
			o.Bypass.Egress = append(o.Bypass.Egress, netip.MustParseAddr(e))
		}
		o.Bypass.Tolerance = tt.tolerance
		t.Run(tt.golden, func(t *testing.T) { golden(t, tt.golden, runCSV(t, o)) })
	}

	rep, err := Bypass([]string{gz, waf}, Filter{}, BypassOptions{Egress: mustAddrs("198.51.100.10")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 8 API events: 2 sign-ins through the proxy, 1 GetUser from the egress
	// address with no proxy record, 5 from elsewhere.
	if rep.Events != 8 || rep.Matched != 2 || rep.Bypassed() != 6 || rep.HostedUI != 1 || rep.Forwarded != 2 || rep.Foreign != 1 {
		t.Errorf("report %+v", rep)
	}
	if _, err := Bypass([]string{gz}, Filter{}, BypassOptions{}, nil); err == nil || !strings.Contains(err.Error(), "no forwarded proxy records") {
		t.Errorf("CloudTrail alone: %v", err)
	}
}

func TestDetectFormat(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want inputFormat
	}{
		{`{"Records":[]}`, formatTrailFile},
		{" \n{\n  \"Records\": [", formatTrailFile},
		{`{"eventVersion":"1.08","eventTime":"x"}`, formatTrailLines},
		{awsExample, formatWAFLines},
		{`{"timestamp":1}`, formatWAFLines},
		{"", formatWAFLines},
		{"garbage", formatWAFLines},
	} {
		if got := detectFormat(bufioReader(tt.in)); got != tt.want {
			t.Errorf("%.30q: %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseEventTime(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
		ms int64
	}{
		{"2025-03-14T15:00:00Z", true, start.UnixMilli()},
		{"2025-03-14T15:00:00.250Z", true, start.UnixMilli() + 250},
		{"2025-03-14T16:00:00+01:00", true, start.UnixMilli()},
		{"2025-13-14T15:00:00Z", false, 0},
		{"yesterday", false, 0},
	} {
		ms, ok := parseEventTime([]byte(tt.in))
		if ok != tt.ok || ms != tt.ms {
			t.Errorf("%s: %d %v, want %d %v", tt.in, ms, ok, tt.ms, tt.ok)
		}
	}
}

func FuzzScanTrailEvent(f *testing.F) {
	b, _ := os.ReadFile(trailGolden)
	f.Add(string(b))
	f.Add(`{"Records":[{"eventTime":"2025-03-14T15:00:00Z","requestParameters":{"clientId":"\"x"}}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		var r record
		eachTrailRecord([]byte(s), func(b []byte, i int) (int, error) { // must not panic
			j, _, err := scanTrailEvent(b, i, &r)
			return j, err
		})
	})
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

func mustAddrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

// withWindow returns o with the time bin w.
func withWindow(o Options, w time.Duration) Options {
	o.Filter.Window = w
	return o
}
