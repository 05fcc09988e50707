package analyze

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/presets"
)

const usage = `usage: poolguard analyze COMMAND [flags] FILE...

Reads AWS-WAF-format logs (poolguard's or AWS WAF's) and CloudTrail logs
(the {"Records":[...]} files CloudTrail delivers to S3, or one event per
line; Cognito user pool events only), plain or gzip, the format detected
per file ("-" is standard input), and reports:

  peak-rates   top source IPs per action category by requests in one bin
               (the Athena query of AWS's WAF article)
  recommend    rate limits for the cognito-categories preset from the peaks
               of legitimate traffic: blocked and bot- or outcome-labelled
               requests, and sources that are mostly blocked, labelled or
               failing, are left out (and listed); the limit stays under
               the smallest peak of those hostile sources
  top-callers  source IPs by requests to one operation (the CloudFront proxy article's query)
  errors       source IPs with the most upstream and proxy errors
  operations   Cognito operations called and AuthFlow values per app client;
               --emit allowlist writes the cognito-allowlist preset that
               blocks every other operation: one document (--format yaml
               or aws-json) on standard output or to --out FILE; what it
               allowed and left out, and why, on standard error
  outcomes     Cognito's answers as the attack protection logged them
               (poolguard.outcome): per client IP, per /24 or /64 network
               and per user (a keyed hash, never the name) the successes,
               wrong credentials, unknown users, bad codes, throttled
               answers and SMS sent, most failures first (--top rows each)
  bypass       calls in CloudTrail that did not pass the proxy:
               bypass --cloudtrail CT... --waf-log WAF... [--egress-ip IP]

flags:
`

// options are the parsed flags.
type options struct {
	cmd        string
	files      []string
	filter     Filter
	top        int
	format     Format
	html       string
	headroom   float64
	pct        float64
	awsJSON    bool
	quiet      bool
	stdin      io.Reader
	emit       string
	emitFormat string
	out        string
	allow      AllowlistOptions
	presetOpt  presets.Options
	bypass     BypassOptions
}

// Main runs `poolguard analyze` with args (the words after "analyze") and
// returns the exit status: 0 on success, 1 on a failure reading or
// writing, 2 on a usage error.
func Main(args []string, stdout, stderr io.Writer) int {
	opts, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "poolguard analyze: %v\n", err)
		return 2
	}
	opts.stdin = os.Stdin
	if err := run(opts, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "poolguard analyze: %v\n", err)
		return 1
	}
	return 0
}

var commands = []string{"peak-rates", "recommend", "top-callers", "errors", "operations", "outcomes", "bypass"}

func parseArgs(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("poolguard analyze", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	from := fs.String("from", "", "analyse records at or after this RFC 3339 time")
	to := fs.String("to", "", "analyse records before this RFC 3339 time")
	window := fs.Duration("window", 5*time.Minute, "time bin of peak-rates and recommend (recommend: 1m, 2m, 5m or 10m)")
	top := fs.Int("top", 0, "rows per category (peak-rates, default 5) or in all (top-callers, errors, default 10; outcomes: per table)")
	asJSON := fs.Bool("json", false, "write JSON")
	asCSV := fs.Bool("csv", false, "write CSV")
	html := fs.String("html", "", "also write a self-contained HTML report with charts to `FILE`")
	headroom := fs.Float64("headroom", 1.5, "recommend: limit = legitimate percentile peak × headroom")
	pct := fs.Float64("percentile", 99, "recommend: percentile of legitimate sources' peaks the limit starts from")
	aws := fs.Bool("aws", false, "recommend: also print the AWS WAFv2 JSON rules of the preset")
	op := fs.String("operation", "InitiateAuth", "top-callers: the Cognito operation")
	quiet := fs.Bool("q", false, "do not print the throughput summary on standard error")
	o := &options{}
	more := addMoreFlags(fs, o)

	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fs.Usage()
		if len(args) == 0 {
			return nil, errors.New("no command")
		}
		return nil, flag.ErrHelp
	}
	o.cmd = args[0]
	if !slices.Contains(commands, o.cmd) {
		return nil, fmt.Errorf("unknown command %q (want %s)", o.cmd, strings.Join(commands, ", "))
	}
	// Flags may come before, between or after file names.
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			return nil, err
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		o.files = append(o.files, rest[0])
		rest = rest[1:]
	}
	o.files = append(more.files, o.files...)
	if len(o.files) == 0 {
		return nil, errors.New("no log files (use - for standard input)")
	}
	if err := more.check(o); err != nil {
		return nil, err
	}
	var err error
	if o.filter.From, err = parseTime("--from", *from); err != nil {
		return nil, err
	}
	if o.filter.To, err = parseTime("--to", *to); err != nil {
		return nil, err
	}
	if !o.filter.From.IsZero() && !o.filter.To.IsZero() && !o.filter.To.After(o.filter.From) {
		return nil, errors.New("--to must be after --from")
	}
	if *window < time.Second || *window%time.Second != 0 {
		return nil, fmt.Errorf("--window %v: want a whole number of seconds", *window)
	}
	if o.cmd == "recommend" && !slices.Contains(presets.Windows, int64(window.Seconds())) {
		return nil, fmt.Errorf("--window %v: recommend needs an AWS evaluation window: 1m, 2m, 5m or 10m", *window)
	}
	if *headroom < 1 {
		return nil, fmt.Errorf("--headroom %v: want at least 1", *headroom)
	}
	if *html != "" && (o.cmd == "operations" || o.cmd == "outcomes" || o.cmd == "bypass") {
		return nil, fmt.Errorf("--html: %s writes no report; --html is a flag of peak-rates, recommend, top-callers and errors", o.cmd)
	}
	if *aws && (o.cmd != "recommend" || !*asJSON) {
		return nil, errors.New("--aws adds the preset's AWS WAFv2 rules (aws_rules) to recommend --json; use it with recommend --json, or poolguard rules export")
	}
	if *pct <= 0 || *pct > 100 {
		return nil, fmt.Errorf("--percentile %v: want more than 0 and at most 100", *pct)
	}
	o.pct = *pct
	if *asJSON && *asCSV {
		return nil, errors.New("--json and --csv exclude each other")
	}
	o.filter.Window, o.filter.Operation = *window, *op
	o.top, o.html, o.headroom, o.awsJSON, o.quiet = *top, *html, *headroom, *aws, *quiet
	switch {
	case *asJSON:
		o.format = FormatJSON
	case *asCSV:
		o.format = FormatCSV
	}
	if err := checkEmit(o); err != nil {
		return nil, err
	}
	if o.top < 0 {
		return nil, fmt.Errorf("--top %d: want a positive number", o.top)
	}
	if o.top == 0 {
		o.top = 10
		if o.cmd == "peak-rates" {
			o.top = 5
		}
	}
	return o, nil
}

func parseTime(flagName, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want RFC 3339, e.g. 2025-03-14T15:00:00Z", flagName, v)
	}
	return t, nil
}

func run(o *options, stdout, stderr io.Writer) error {
	switch o.cmd {
	case "operations":
		return runOperations(o, stdout, stderr)
	case "bypass":
		return runBypass(o, stdout, stderr)
	case "outcomes":
		return runOutcomes(o, stdout, stderr)
	}
	start := time.Now()
	s, err := Scan(o.files, o.filter, o.stdin)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	if !o.quiet && s.Foreign > 0 {
		fmt.Fprintf(stderr, "note: %d CloudTrail events of other services than %s ignored\n", s.Foreign, CognitoEventSource)
	}
	if !o.quiet {
		mb := float64(s.Bytes) / 1e6
		fmt.Fprintf(stderr, "analyzed %d records, %.1f MB in %.2fs (%.0f MB/s); %d malformed lines, %d records outside --from/--to\n",
			s.Records, mb, elapsed.Seconds(), mb/max(elapsed.Seconds(), 1e-9), s.Malformed, s.Skipped)
		if o.cmd == "errors" && s.NoPG > 0 {
			fmt.Fprintf(stderr, "note: %d records have no poolguard fields (AWS's own logs): their upstream status is unknown\n", s.NoPG)
		}
	}
	switch o.cmd {
	case "peak-rates":
		err = writeTable(stdout, peakTable(s, o.top), o.format)
	case "top-callers":
		err = writeTable(stdout, callersTable(s, o.top), o.format)
	case "errors":
		err = writeTable(stdout, errorsTable(s, o.top), o.format)
	case "recommend":
		err = writeRecommend(stdout, s, o)
	}
	if err != nil {
		return err
	}
	if o.html != "" {
		return writeHTMLFile(o.html, s, o)
	}
	return nil
}

// recommendParams returns the cognito-categories parameters for recs.
func recommendParams(recs []Recommendation, window time.Duration) map[string]any {
	p := map[string]any{"EvaluationWindowSec": int64(window.Seconds())}
	for _, r := range recs {
		if r.Limit > 0 {
			p[r.Category.RateLimitParam()] = r.Limit
		}
	}
	return p
}

func (o *options) recommendOptions() RecommendOptions {
	return RecommendOptions{Headroom: o.headroom, Percentile: o.pct}
}

func writeRecommend(w io.Writer, s *Stats, o *options) error {
	recs := s.Recommend(o.recommendOptions())
	params := recommendParams(recs, s.Window)
	var rules []json.RawMessage
	if o.awsJSON {
		p, err := presets.Generate("cognito-categories", params, presets.Options{})
		if err != nil {
			return err
		}
		rules = p.Rules
	}
	switch o.format {
	case FormatJSON:
		out := map[string]any{"recommendations": recommendJSON(recs), "preset": "cognito-categories", "params": params}
		if rules != nil {
			out["aws_rules"] = rules
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case FormatCSV:
		return writeTable(w, recommendTable(recs, o.pct), FormatCSV)
	}
	if err := writeTable(w, recommendTable(recs, o.pct), FormatTable); err != nil {
		return err
	}
	writeExclusions(w, recs, o.top)
	fmt.Fprintf(w, "\n%s", configSnippet(recs, s, o))
	if rules != nil {
		b, err := json.MarshalIndent(rules, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n# AWS WAFv2 rules of the preset with these limits:\n%s\n", b)
	}
	return nil
}

// recommendJSON is recs as `recommend --json` writes them.
func recommendJSON(recs []Recommendation) []map[string]any {
	var rows []map[string]any
	for _, r := range recs {
		row := map[string]any{"category": r.Category.String(), "parameter": r.Category.RateLimitParam(),
			"legitimate_sources": r.LegitSources, "peak_requests": r.Peak.Requests, "percentile_peak": r.PercentilePeak,
			"hostile_sources": r.Hostile, "smallest_hostile_peak": r.HostilePeak,
			"blocked_requests_left_out": r.BlockedRequests, "labelled_requests_left_out": r.SuspectRequests, "notes": r.Notes}
		if r.Hostile == nil {
			row["hostile_sources"] = []Exclusion{}
		}
		if r.Limit > 0 {
			row["peak_client_ip"], row["peak_bin_start"], row["recommended_limit"] = r.Peak.IP, r.Peak.Bin.Format(time.RFC3339), r.Limit
		}
		rows = append(rows, row)
	}
	return rows
}

func recommendTable(recs []Recommendation, pct float64) Table {
	t := Table{Columns: []string{"category", "parameter", "legit_sources", fmt.Sprintf("legit_p%g_peak", pct), "legit_max_peak",
		"hostile_sources", "smallest_hostile_peak", "recommended_limit"}}
	for _, r := range recs {
		limit := any(r.Limit)
		if r.Limit == 0 {
			limit = "(preset default)"
		}
		t.Rows = append(t.Rows, []any{r.Category.String(), r.Category.RateLimitParam(), int64(r.LegitSources), r.PercentilePeak,
			r.Peak.Requests, int64(len(r.Hostile)), r.HostilePeak, limit})
	}
	return t
}

// writeExclusions lists, per category, what the recommendation left out
// and why (at most top sources each), and its notes.
func writeExclusions(w io.Writer, recs []Recommendation, top int) {
	for _, r := range recs {
		if len(r.Hostile) == 0 && r.BlockedRequests == 0 && r.SuspectRequests == 0 && len(r.Notes) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: left out %d blocked and %d bot- or outcome-labelled requests", r.Category, r.BlockedRequests, r.SuspectRequests)
		if len(r.Hostile) > 0 {
			fmt.Fprintf(w, ", and %d hostile sources:", len(r.Hostile))
		}
		fmt.Fprintln(w)
		for i, h := range r.Hostile {
			if i == top {
				fmt.Fprintf(w, "  ... and %d more\n", len(r.Hostile)-top)
				break
			}
			fmt.Fprintf(w, "  %-39s peak %d: %s\n", h.IP, h.Peak, h.Reason)
		}
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
	}
}

// configSnippet returns the YAML that applies recs.
func configSnippet(recs []Recommendation, s *Stats, o *options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# The %gth percentile of legitimate sources' peak requests per %v × %.2g, at least %d,\n"+
		"# and under the smallest peak of a hostile source.\n", o.pct, s.Window, o.headroom, MinRateLimit)
	if s.Records > 0 {
		fmt.Fprintf(&b, "# Observed %s .. %s (%d records).\n",
			time.UnixMilli(s.First).UTC().Format(time.RFC3339), time.UnixMilli(s.Last).UTC().Format(time.RFC3339), s.Records)
	}
	b.WriteString("waf:\n  presets:\n    - name: cognito-categories\n      params:\n")
	for _, r := range recs {
		if r.Limit == 0 {
			fmt.Fprintf(&b, "        # %s: no traffic observed; the preset default applies\n", r.Category.RateLimitParam())
			continue
		}
		fmt.Fprintf(&b, "        %s: %d\n", r.Category.RateLimitParam(), r.Limit)
	}
	fmt.Fprintf(&b, "        EvaluationWindowSec: %d\n", int64(s.Window.Seconds()))
	return b.String()
}
