package analyze

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/rules/presets"
)

func summary(stderr io.Writer, o *Options, c *Counts, start time.Time) {
	if o.Quiet {
		return
	}
	elapsed := time.Since(start)
	mb := float64(c.Bytes) / 1e6
	fmt.Fprintf(stderr, "analyzed %d records, %.1f MB in %.2fs (%.0f MB/s); %d malformed, %d outside --from/--to, %d CloudTrail events of other services\n",
		c.Records, mb, elapsed.Seconds(), mb/max(elapsed.Seconds(), 1e-9), c.Malformed, c.Skipped, c.Foreign)
}

func runOperations(o *Options, stdout, stderr io.Writer) error {
	start := time.Now()
	ops, err := ScanOperations(o.Files, o.Filter, o.Stdin)
	if err != nil {
		return err
	}
	summary(stderr, o, &ops.Counts, start)
	if o.Emit == "allowlist" {
		return writeAllowlist(stdout, stderr, ops, o)
	}
	if o.Format == FormatJSON {
		return writeJSONObject(stdout, map[string]any{"operations": opsTable(ops), "auth_flows": flowsTable(ops)})
	}
	if err := writeTable(stdout, opsTable(ops), o.Format); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	return writeTable(stdout, flowsTable(ops), o.Format)
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
func (o Options) checkEmit() error {
	switch o.Emit {
	case "":
		if o.EmitFormat != "" || o.Out != "" {
			return errors.New("--format and --out are flags of operations --emit allowlist")
		}
		return nil
	case "allowlist":
		if o.Command != "operations" {
			return errors.New("--emit allowlist is a flag of operations")
		}
	default:
		return fmt.Errorf("--emit %q: want allowlist", o.Emit)
	}
	switch o.EmitFormat {
	case "", EmitYAML, EmitAWSJSON:
	default:
		return fmt.Errorf("--format %q: want %s or %s", o.EmitFormat, EmitYAML, EmitAWSJSON)
	}
	if o.Format == FormatCSV {
		return errors.New("--csv: --emit allowlist writes YAML or JSON (see --format)")
	}
	if o.Format == FormatJSON && o.EmitFormat != "" {
		return errors.New("--json writes the allow list report; --format picks another document: use one of them")
	}
	return nil
}

// writeAllowlist writes exactly one document (the YAML config snippet, the
// AWS JSON, or with --json the report) to stdout or the --out file, and
// the human-readable account of what it allowed and left out to stderr.
func writeAllowlist(stdout, stderr io.Writer, ops *Operations, o *Options) error {
	a, err := ops.Allowlist(o.Allow)
	if err != nil {
		return err
	}
	aws, err := a.AWS(o.Preset)
	if err != nil {
		return err
	}
	var doc bytes.Buffer
	switch {
	case o.Format == FormatJSON:
		err = writeJSONObject(&doc, map[string]any{
			"pattern_set": a.PatternSet, "patterns": a.Patterns, "config": a.Config(), "aws": aws,
			"allowed": opRowsTable(a.Allowed), "left_out": opRowsTable(a.Left), "why": a.Why,
		})
	case o.EmitFormat == EmitAWSJSON:
		err = writeAWSAllowlist(&doc, a, aws)
	default:
		doc.WriteString(a.CommentedConfig())
	}
	if err != nil {
		return err
	}
	if !o.Quiet {
		describeAllowlist(stderr, ops, a, o)
	}
	if o.Out == "" {
		_, err = stdout.Write(doc.Bytes())
		return err
	}
	if err := os.WriteFile(o.Out, doc.Bytes(), 0o644); err != nil {
		return err
	}
	if !o.Quiet {
		fmt.Fprintf(stderr, "wrote %s\n", o.Out)
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
func describeAllowlist(w io.Writer, ops *Operations, a Allowlist, o *Options) {
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
			why = fmt.Sprintf("fewer than %d calls", o.Allow.MinCalls)
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

func runBypass(o *Options, stdout, stderr io.Writer) error {
	start := time.Now()
	rep, err := Bypass(o.Files, o.Filter, o.Bypass, o.Stdin)
	if err != nil {
		return err
	}
	summary(stderr, o, &rep.Counts, start)
	if !o.Quiet {
		fmt.Fprintf(stderr, "%d Cognito API events in CloudTrail: %d matched a proxy record, %d bypassed the proxy; %d proxy records of forwarded calls; %d Hosted UI events not compared\n",
			rep.Events, rep.Matched, rep.Bypassed(), rep.Forwarded, rep.HostedUI)
	}
	return writeTable(stdout, bypassTable(rep), o.Format)
}

func runOutcomes(o *Options, stdout, stderr io.Writer) error {
	start := time.Now()
	out, err := ScanOutcomes(o.Files, o.Filter, o.Stdin)
	if err != nil {
		return err
	}
	summary(stderr, o, &out.Counts, start)
	if !o.Quiet && out.Untracked > 0 {
		fmt.Fprintf(stderr, "note: %d records have no poolguard.outcome answer (calls the attack protection does not count, or AWS's own logs)\n", out.Untracked)
	}
	ips, nets, users := outcomesTable("client_ip", out.ByIP(o.Top)), outcomesTable("network", out.ByNetwork(o.Top)), outcomesTable("user", out.ByUser(o.Top))
	if o.Format == FormatJSON {
		return writeJSONObject(stdout, map[string]any{"client_ips": ips, "networks": nets, "users": users})
	}
	for i, t := range []Table{ips, nets, users} {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := writeTable(stdout, t, o.Format); err != nil {
			return err
		}
	}
	return nil
}
