package analyze

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/rules/presets"
)

// Commands are the analyses Run knows, in the order `poolguard analyze
// --help` lists them.
var Commands = []string{"peak-rates", "recommend", "top-callers", "errors", "operations", "outcomes", "bypass"}

// Options are what `poolguard analyze` was asked to do: a plain value the
// command line fills (cmd/poolguard/analyze.go) and tests build directly.
// Start from DefaultOptions: its zero value is not valid.
type Options struct {
	// Command is one of Commands.
	Command string
	// Files are the logs to read ("-" is Stdin), plain or gzip.
	Files []string
	// Filter bounds the records and sets the time bin and the operation
	// top-callers counts.
	Filter Filter
	// Top is the number of rows per category (peak-rates, 0 means 5) or
	// in all (the others, 0 means 10).
	Top int
	// Format is the output format of the tables.
	Format Format
	// HTML, when not empty, is a file to write a self-contained report
	// with charts to (peak-rates, recommend, top-callers and errors).
	HTML string
	// Headroom multiplies the legitimate percentile peak (recommend).
	Headroom float64
	// Percentile is the percentile of legitimate sources' peaks the
	// recommended limit starts from (recommend).
	Percentile float64
	// AWSRules adds the preset's AWS WAFv2 rules to recommend --json.
	AWSRules bool
	// Quiet leaves out the throughput summary and notes on Log.
	Quiet bool
	// Stdin is read for the file "-".
	Stdin io.Reader
	// Log receives the throughput summary, notes, and the human account
	// of an emitted allow list; nil discards them.
	Log io.Writer
	// Emit is "" or "allowlist" (operations): write the
	// cognito-allowlist preset for the operations seen.
	Emit string
	// EmitFormat is the allow list's document: EmitYAML (the default when
	// "") or EmitAWSJSON.
	EmitFormat string
	// Out, when not "", is the file the allow list goes to instead of w.
	Out string
	// Allow tunes the allow list.
	Allow AllowlistOptions
	// Preset places the ARNs of the AWS JSON allow list.
	Preset presets.Options
	// Bypass tunes the bypass comparison.
	Bypass BypassOptions
}

// DefaultOptions returns the options `poolguard analyze` starts from: a
// 5 minute window, top-callers of InitiateAuth, headroom 1.5 over the 99th
// percentile, allow lists of operations called at least once.
func DefaultOptions() Options {
	return Options{
		Filter:     Filter{Window: 5 * time.Minute, Operation: "InitiateAuth"},
		Headroom:   1.5,
		Percentile: 99,
		Allow:      AllowlistOptions{PatternSet: presets.DefaultPatternSet, MinCalls: 1},
		Preset:     presets.Options{Account: presets.DefaultAccount, Region: presets.DefaultRegion},
		Bypass:     BypassOptions{Tolerance: DefaultTolerance},
	}
}

// Check reports the first option that is out of range or does not fit
// the command, naming it as the command line does.
func (o Options) Check() error {
	if !slices.Contains(Commands, o.Command) {
		return fmt.Errorf("unknown command %q (want %s)", o.Command, strings.Join(Commands, ", "))
	}
	if len(o.Files) == 0 {
		return errors.New("no log files (use - for standard input)")
	}
	if err := o.checkEmit(); err != nil {
		return err
	}
	if o.Allow.MinCalls < 1 {
		return fmt.Errorf("--min-calls %d: want at least 1", o.Allow.MinCalls)
	}
	if o.Bypass.Tolerance <= 0 {
		return fmt.Errorf("--tolerance %v: want a positive duration", o.Bypass.Tolerance)
	}
	f := o.Filter
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return errors.New("--to must be after --from")
	}
	if f.Window < time.Second || f.Window%time.Second != 0 {
		return fmt.Errorf("--window %v: want a whole number of seconds", f.Window)
	}
	if o.Command == "recommend" && !slices.Contains(presets.Windows, int64(f.Window.Seconds())) {
		return fmt.Errorf("--window %v: recommend needs an AWS evaluation window: 1m, 2m, 5m or 10m", f.Window)
	}
	if o.Headroom < 1 {
		return fmt.Errorf("--headroom %v: want at least 1", o.Headroom)
	}
	if o.HTML != "" && (o.Command == "operations" || o.Command == "outcomes" || o.Command == "bypass") {
		return fmt.Errorf("--html: %s writes no report; --html is a flag of peak-rates, recommend, top-callers and errors", o.Command)
	}
	if o.AWSRules && (o.Command != "recommend" || o.Format != FormatJSON) {
		return errors.New("--aws adds the preset's AWS WAFv2 rules (aws_rules) to recommend --json; use it with recommend --json, or poolguard rules export")
	}
	if o.Percentile <= 0 || o.Percentile > 100 {
		return fmt.Errorf("--percentile %v: want more than 0 and at most 100", o.Percentile)
	}
	if o.Top < 0 {
		return fmt.Errorf("--top %d: want a positive number", o.Top)
	}
	return nil
}

// Run runs the analysis o names and writes its report to w (the allow
// list to o.Out when set), the summary and notes to o.Log. It returns an
// error for options Check refuses, an unreadable log or a failed write.
// A log is read to its end once started: ctx only stops Run before it
// begins.
func Run(ctx context.Context, o Options, w io.Writer) error {
	if err := o.Check(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if o.Top == 0 {
		o.Top = 10
		if o.Command == "peak-rates" {
			o.Top = 5
		}
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return run(&o, w, o.Log)
}

func run(o *Options, stdout, stderr io.Writer) error {
	switch o.Command {
	case "operations":
		return runOperations(o, stdout, stderr)
	case "bypass":
		return runBypass(o, stdout, stderr)
	case "outcomes":
		return runOutcomes(o, stdout, stderr)
	}
	start := time.Now()
	s, err := Scan(o.Files, o.Filter, o.Stdin)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	if !o.Quiet && s.Foreign > 0 {
		fmt.Fprintf(stderr, "note: %d CloudTrail events of other services than %s ignored\n", s.Foreign, CognitoEventSource)
	}
	if !o.Quiet {
		mb := float64(s.Bytes) / 1e6
		fmt.Fprintf(stderr, "analyzed %d records, %.1f MB in %.2fs (%.0f MB/s); %d malformed lines, %d records outside --from/--to\n",
			s.Records, mb, elapsed.Seconds(), mb/max(elapsed.Seconds(), 1e-9), s.Malformed, s.Skipped)
		if o.Command == "errors" && s.NoPG > 0 {
			fmt.Fprintf(stderr, "note: %d records have no poolguard fields (AWS's own logs): their upstream status is unknown\n", s.NoPG)
		}
	}
	switch o.Command {
	case "peak-rates":
		err = writeTable(stdout, peakTable(s, o.Top), o.Format)
	case "top-callers":
		err = writeTable(stdout, callersTable(s, o.Top), o.Format)
	case "errors":
		err = writeTable(stdout, errorsTable(s, o.Top), o.Format)
	case "recommend":
		err = writeRecommend(stdout, s, o)
	}
	if err != nil {
		return err
	}
	if o.HTML != "" {
		return writeHTMLFile(o.HTML, s, o)
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

func (o *Options) recommendOptions() RecommendOptions {
	return RecommendOptions{Headroom: o.Headroom, Percentile: o.Percentile}
}

func writeRecommend(w io.Writer, s *Stats, o *Options) error {
	recs := s.Recommend(o.recommendOptions())
	params := recommendParams(recs, s.Window)
	var rules []json.RawMessage
	if o.AWSRules {
		p, err := presets.Generate("cognito-categories", params, presets.Options{})
		if err != nil {
			return err
		}
		rules = p.Rules
	}
	switch o.Format {
	case FormatJSON:
		out := map[string]any{"recommendations": recommendJSON(recs), "preset": "cognito-categories", "params": params}
		if rules != nil {
			out["aws_rules"] = rules
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case FormatCSV:
		return writeTable(w, recommendTable(recs, o.Percentile), FormatCSV)
	}
	if err := writeTable(w, recommendTable(recs, o.Percentile), FormatTable); err != nil {
		return err
	}
	writeExclusions(w, recs, o.Top)
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
func configSnippet(recs []Recommendation, s *Stats, o *Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# The %gth percentile of legitimate sources' peak requests per %v × %.2g, at least %d,\n"+
		"# and under the smallest peak of a hostile source.\n", o.Percentile, s.Window, o.Headroom, MinRateLimit)
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
