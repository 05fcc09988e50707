package analyze

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/presets"
)

// moreFlags are the flags of operations and bypass.
type moreFlags struct {
	files      []string // --cloudtrail and --waf-log values
	emit       *string
	emitFormat *string
	out        *string
	refresh    []string
	minCalls   *int64
	includeIAM *bool
	patternSet *string
	account    *string
	region     *string
	egress     []netip.Addr
	tolerance  *time.Duration
}

func addMoreFlags(fs *flag.FlagSet, o *options) *moreFlags {
	m := &moreFlags{}
	m.emit = fs.String("emit", "", "operations: `allowlist` writes the cognito-allowlist preset for the operations seen (one document, see --format)")
	m.emitFormat = fs.String("format", "", "operations --emit allowlist: `yaml` (poolguard waf config, the default) or aws-json (AWS WAFv2 rules and pattern set)")
	m.out = fs.String("out", "", "operations --emit allowlist: write the document to `FILE` instead of standard output")
	m.minCalls = fs.Int64("min-calls", 1, "operations --emit allowlist: allow operations called at least this many times")
	m.includeIAM = fs.Bool("include-iam", false, "operations --emit allowlist: also allow IAM-signed operations (apps never send them)")
	fs.Func("config", "operations --emit allowlist: the proxy's config `FILE`, whose clients' refresh modes decide what the proxy sends upstream", func(v string) error {
		cfg, err := config.Load(v)
		if err != nil {
			return err
		}
		for _, c := range cfg.Clients {
			m.refresh = append(m.refresh, cmp.Or(c.Refresh, "get_tokens"))
		}
		return nil
	})
	m.patternSet = fs.String("pattern-set", presets.DefaultPatternSet, "operations --emit allowlist: name of the regex pattern set")
	m.account = fs.String("account", presets.DefaultAccount, "operations --emit allowlist: AWS account of the ARNs in the AWS JSON")
	m.region = fs.String("region", presets.DefaultRegion, "operations --emit allowlist: AWS region of the ARNs in the AWS JSON")
	m.tolerance = fs.Duration("tolerance", DefaultTolerance, "bypass: largest time difference between a CloudTrail event and the proxy's record of it")
	files := func(v string) error { m.files = append(m.files, v); return nil }
	fs.Func("cloudtrail", "bypass: a CloudTrail log `FILE` (more may follow; the format of every file is detected)", files)
	fs.Func("waf-log", "bypass: a WAF log `FILE` of the proxy (more may follow)", files)
	fs.Func("egress-ip", "bypass: the proxy's egress `IP` toward Cognito (repeat or comma-separate)", func(v string) error {
		for _, s := range strings.Split(v, ",") {
			a, err := netip.ParseAddr(strings.TrimSpace(s))
			if err != nil {
				return fmt.Errorf("%q is not an IP address", s)
			}
			m.egress = append(m.egress, a.Unmap())
		}
		return nil
	})
	return m
}

// check validates the flags and stores them in o.
func (m *moreFlags) check(o *options) error {
	switch *m.emit {
	case "":
	case "allowlist":
		if o.cmd != "operations" {
			return errors.New("--emit allowlist is a flag of operations")
		}
	default:
		return fmt.Errorf("--emit %q: want allowlist", *m.emit)
	}
	if *m.emit == "" && (*m.emitFormat != "" || *m.out != "") {
		return errors.New("--format and --out are flags of operations --emit allowlist")
	}
	switch *m.emitFormat {
	case "", EmitYAML, EmitAWSJSON:
	default:
		return fmt.Errorf("--format %q: want %s or %s", *m.emitFormat, EmitYAML, EmitAWSJSON)
	}
	o.emitFormat, o.out = *m.emitFormat, *m.out
	if *m.minCalls < 1 {
		return fmt.Errorf("--min-calls %d: want at least 1", *m.minCalls)
	}
	if *m.tolerance <= 0 {
		return fmt.Errorf("--tolerance %v: want a positive duration", *m.tolerance)
	}
	o.emit = *m.emit
	o.allow = AllowlistOptions{PatternSet: *m.patternSet, MinCalls: *m.minCalls, IncludeIAM: *m.includeIAM, Refresh: m.refresh}
	o.presetOpt = presets.Options{Account: *m.account, Region: *m.region}
	o.bypass = BypassOptions{Egress: m.egress, Tolerance: *m.tolerance}
	return nil
}

func summary(stderr io.Writer, o *options, c *Counts, start time.Time) {
	if o.quiet {
		return
	}
	elapsed := time.Since(start)
	mb := float64(c.Bytes) / 1e6
	fmt.Fprintf(stderr, "analyzed %d records, %.1f MB in %.2fs (%.0f MB/s); %d malformed, %d outside --from/--to, %d CloudTrail events of other services\n",
		c.Records, mb, elapsed.Seconds(), mb/max(elapsed.Seconds(), 1e-9), c.Malformed, c.Skipped, c.Foreign)
}

func runOperations(o *options, stdout, stderr io.Writer) error {
	start := time.Now()
	ops, err := ScanOperations(o.files, o.filter, o.stdin)
	if err != nil {
		return err
	}
	summary(stderr, o, &ops.Counts, start)
	if o.emit == "allowlist" {
		return writeAllowlist(stdout, stderr, ops, o)
	}
	if o.format == FormatJSON {
		return writeJSONObject(stdout, map[string]any{"operations": opsTable(ops), "auth_flows": flowsTable(ops)})
	}
	if err := writeTable(stdout, opsTable(ops), o.format); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	return writeTable(stdout, flowsTable(ops), o.format)
}

// writeJSONObject writes an object whose Table values are arrays of rows.
func writeJSONObject(w io.Writer, obj map[string]any) error {
	out := map[string]json.RawMessage{}
	for k, v := range obj {
		var b strings.Builder
		var err error
		if t, ok := v.(Table); ok {
			err = writeJSON(&b, t)
		} else {
			err = json.NewEncoder(&b).Encode(v)
		}
		if err != nil {
			return err
		}
		out[k] = json.RawMessage(b.String())
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// Document formats of --emit allowlist.
const (
	// EmitYAML is the poolguard waf config snippet, reasons as comments.
	EmitYAML = "yaml"
	// EmitAWSJSON is the AWS WAFv2 JSON of the preset, reasons in a
	// top-level Reasons list beside the objects AWS takes.
	EmitAWSJSON = "aws-json"
)

// checkEmit refuses output flags that do not fit --emit allowlist: one
// document goes to standard output or --out, so --csv, and --json with an
// explicit --format, are refused.
func checkEmit(o *options) error {
	if o.emit == "" {
		return nil
	}
	if o.format == FormatCSV {
		return errors.New("--csv: --emit allowlist writes YAML or JSON (see --format)")
	}
	if o.format == FormatJSON && o.emitFormat != "" {
		return errors.New("--json writes the allow list report; --format picks another document: use one of them")
	}
	return nil
}

// writeAllowlist writes exactly one document (the YAML config snippet, the
// AWS JSON, or with --json the report) to stdout or the --out file, and
// the human-readable account of what it allowed and left out to stderr.
func writeAllowlist(stdout, stderr io.Writer, ops *Operations, o *options) error {
	a, err := ops.Allowlist(o.allow)
	if err != nil {
		return err
	}
	aws, err := a.AWS(o.presetOpt)
	if err != nil {
		return err
	}
	var doc bytes.Buffer
	switch {
	case o.format == FormatJSON:
		err = writeJSONObject(&doc, map[string]any{
			"pattern_set": a.PatternSet, "patterns": a.Patterns, "config": a.Config(), "aws": aws,
			"allowed": opRowsTable(a.Allowed), "left_out": opRowsTable(a.Left), "why": a.Why,
		})
	case o.emitFormat == EmitAWSJSON:
		err = writeAWSAllowlist(&doc, a, aws)
	default:
		doc.WriteString(a.CommentedConfig())
	}
	if err != nil {
		return err
	}
	if !o.quiet {
		describeAllowlist(stderr, ops, a, o)
	}
	if o.out == "" {
		_, err = stdout.Write(doc.Bytes())
		return err
	}
	if err := os.WriteFile(o.out, doc.Bytes(), 0o644); err != nil {
		return err
	}
	if !o.quiet {
		fmt.Fprintf(stderr, "wrote %s\n", o.out)
	}
	return nil
}

// Reason is why one operation is on the allow list, in the AWS JSON.
type Reason struct {
	Operation string `json:"Operation"`
	Reason    string `json:"Reason"`
}

// writeAWSAllowlist writes the preset's AWS JSON with a top-level Reasons
// list: the rules and the pattern set stay exactly what AWS takes.
func writeAWSAllowlist(w io.Writer, a Allowlist, aws presets.Preset) error {
	doc := struct {
		presets.Preset
		Reasons []Reason `json:"Reasons"`
	}{Preset: aws}
	for _, r := range a.Allowed {
		doc.Reasons = append(doc.Reasons, Reason{Operation: r.Operation, Reason: a.Why[r.Operation]})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// describeAllowlist writes, for a person, what the list allows and what it
// left out, and why.
func describeAllowlist(w io.Writer, ops *Operations, a Allowlist, o *options) {
	fmt.Fprintf(w, "allow list learned from %d Cognito calls", ops.Records-ops.NoOperation)
	if ops.Records > 0 {
		first, last := span2(ops.Ops())
		fmt.Fprintf(w, ", %s .. %s", first.Format(time.RFC3339), last.Format(time.RFC3339))
	}
	fmt.Fprintln(w, ":")
	for _, r := range a.Allowed {
		fmt.Fprintf(w, "  allow %s (%s): %s\n", r.Operation, r.Class, a.Why[r.Operation])
	}
	for _, r := range a.Left {
		why := r.Flag()
		if why == "" {
			why = fmt.Sprintf("fewer than %d calls", o.allow.MinCalls)
		}
		fmt.Fprintf(w, "  LEFT OUT %s (%s, %d calls): %s\n", r.Operation, r.Class, r.Calls, why)
	}
}

func opRowsTable(rows []OpRow) Table {
	t := Table{Columns: []string{"operation", "class", "calls", "first_seen", "last_seen", "flag"}}
	for _, r := range rows {
		t.Rows = append(t.Rows, []any{r.Operation, r.Class, r.Calls, r.First, r.Last, r.Flag()})
	}
	return t
}

// span2 returns the earliest first and latest last time of rows.
func span2(rows []OpRow) (first, last time.Time) {
	for i, r := range rows {
		if i == 0 || r.First.Before(first) {
			first = r.First
		}
		if r.Last.After(last) {
			last = r.Last
		}
	}
	return first, last
}

func runBypass(o *options, stdout, stderr io.Writer) error {
	start := time.Now()
	rep, err := Bypass(o.files, o.filter, o.bypass, o.stdin)
	if err != nil {
		return err
	}
	summary(stderr, o, &rep.Counts, start)
	if !o.quiet {
		fmt.Fprintf(stderr, "%d Cognito API events in CloudTrail: %d matched a proxy record, %d bypassed the proxy; %d proxy records of forwarded calls; %d Hosted UI events not compared\n",
			rep.Events, rep.Matched, rep.Bypassed(), rep.Forwarded, rep.HostedUI)
	}
	return writeTable(stdout, bypassTable(rep), o.format)
}

func runOutcomes(o *options, stdout, stderr io.Writer) error {
	start := time.Now()
	out, err := ScanOutcomes(o.files, o.filter, o.stdin)
	if err != nil {
		return err
	}
	summary(stderr, o, &out.Counts, start)
	if !o.quiet && out.Untracked > 0 {
		fmt.Fprintf(stderr, "note: %d records have no poolguard.outcome answer (calls the attack protection does not count, or AWS's own logs)\n", out.Untracked)
	}
	ips, nets, users := outcomesTable("client_ip", out.ByIP(o.top)), outcomesTable("network", out.ByNetwork(o.top)), outcomesTable("user", out.ByUser(o.top))
	if o.format == FormatJSON {
		return writeJSONObject(stdout, map[string]any{"client_ips": ips, "networks": nets, "users": users})
	}
	for i, t := range []Table{ips, nets, users} {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := writeTable(stdout, t, o.format); err != nil {
			return err
		}
	}
	return nil
}
