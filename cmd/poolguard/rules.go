package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/ops/exportwaf"
	"github.com/poolguard/poolguard/internal/rules/presets"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/rules/rulecheck"
)

const rulesUsage = `Usage:
  poolguard rules export PRESET [--param K=V ...] [--format waf|cloudformation]
                                     print a preset as AWS WAFv2 JSON or a rule group template
  poolguard rules test --config FILE --request REQ.json
                                     run the proxy's pipeline on sample requests (docs/rules-test.md)

Run 'poolguard rules export --help' or 'poolguard rules test --help' for their flags.
`

const rulesExportUsage = `Usage: poolguard rules export PRESET [--param K=V ...] [--format waf|cloudformation]

Prints a preset (they are listed below) as AWS WAFv2 JSON, or as a
CloudFormation rule group template with its sets.
`

const rulesTestUsage = `Usage: poolguard rules test --config FILE --request REQ.json

Runs the proxy's pipeline (web ACL, rate limits, the proxy's own refusals)
on sample requests, offline, and prints each verdict as JSON
(docs/rules-test.md).
`

// rules is `poolguard rules export|test`.
func rules(args []string, stdout, stderr io.Writer) int {
	return group{name: "rules", usage: rulesUsage, subs: map[string]func([]string, io.Writer, io.Writer) int{
		"export": rulesExport,
		"test":   rulesTest,
	}}.run(args, stdout, stderr)
}

// paramFlags collects repeated --param K=V flags.
type paramFlags map[string]any

func (p paramFlags) String() string { return "" }

// Set parses K=V; numbers and booleans are typed, anything else is a string.
func (p paramFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("want K=V, got %q", s)
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		p[k] = n
	} else if b, err := strconv.ParseBool(v); err == nil {
		p[k] = b
	} else {
		p[k] = v
	}
	return nil
}

func rulesExport(args []string, stdout, stderr io.Writer) int {
	c := newCommand("rules export", rulesExportUsage+"\nPresets: "+strings.Join(presets.Names(), ", ")+"\n")
	params := paramFlags{}
	c.fs.Var(params, "param", "a preset parameter K=V (repeatable)")
	region := c.fs.String("region", presets.DefaultRegion, "region in set ARNs")
	account := c.fs.String("account", presets.DefaultAccount, "account in set ARNs")
	format := c.fs.String("format", "waf", "waf (AWS WAFv2 JSON) or cloudformation (a rule group template with its sets)")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return c.fail(stderr, "name one preset: %s", strings.Join(presets.Names(), ", "))
	}
	name := pos[0]
	p, err := presets.Generate(name, params, presets.Options{Region: *region, Account: *account})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	var out []byte
	switch *format {
	case "waf":
		out, err = p.JSON()
	case "cloudformation":
		out, err = exportwaf.RuleGroupTemplate(p)
	default:
		return c.fail(stderr, "--format %q is not waf or cloudformation", *format)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintln(stdout, string(out))
	return 0
}

func rulesTest(args []string, stdout, stderr io.Writer) int {
	c := newCommand("rules test", rulesTestUsage)
	cfgPath := c.fs.String("config", "", "config file")
	reqPath := c.fs.String("request", "", "request JSON file (a request or a list of requests; see docs/rules-test.md)")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.fail(stderr, "unexpected argument %q", pos[0])
	}
	if *cfgPath == "" || *reqPath == "" {
		return c.fail(stderr, "--config FILE and --request FILE are required")
	}
	// Offline: the tester never sends upstream, so it needs no client
	// secret, pool ACL header or AWS credentials.
	_, st, ok := load(*cfgPath, server.Deps{Store: ratelimit.NewMemory(), Offline: true}, stderr)
	if !ok {
		return 1
	}
	results, err := rulecheck.Run(st, *reqPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(results); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
