package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/poolguard/poolguard/internal/exportwaf"
	"github.com/poolguard/poolguard/internal/presets"
	"github.com/poolguard/poolguard/internal/ratelimit"
	"github.com/poolguard/poolguard/internal/rulestest"
	"github.com/poolguard/poolguard/internal/server"
)

func rules(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "export":
		return rulesExport(args[1:], stdout, stderr)
	case "test":
		return rulesTest(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "poolguard rules: unknown command %q\n", args[0])
	return 2
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
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(stderr, "poolguard rules export: name a preset: %s\n", strings.Join(presets.Names(), ", "))
		return 2
	}
	name := args[0]
	fs := flag.NewFlagSet("rules export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	params := paramFlags{}
	fs.Var(params, "param", "a preset parameter K=V (repeatable)")
	region := fs.String("region", presets.DefaultRegion, "region in set ARNs")
	account := fs.String("account", presets.DefaultAccount, "account in set ARNs")
	format := fs.String("format", "waf", "waf (AWS WAFv2 JSON) or cloudformation (a rule group template with its sets)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
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
		fmt.Fprintf(stderr, "poolguard rules export: --format %q is not waf or cloudformation\n", *format)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintln(stdout, string(out))
	return 0
}

func rulesTest(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rules test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file")
	reqPath := fs.String("request", "", "request JSON file (a request or a list of requests; see docs/rules-test.md)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *cfgPath == "" || *reqPath == "" {
		fmt.Fprintln(stderr, "poolguard rules test: --config FILE and --request FILE are required")
		return 2
	}
	// Offline: the tester never sends upstream, so it needs no client
	// secret, pool ACL header or AWS credentials.
	_, st, ok := load(*cfgPath, server.Deps{Store: ratelimit.NewMemory(), Offline: true}, stderr)
	if !ok {
		return 1
	}
	results, err := rulestest.Run(st, *reqPath)
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
