package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/ops/analyze"
)

const analyzeUsage = `usage: poolguard analyze COMMAND [flags] FILE...

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
`

// runAnalyze is `poolguard analyze COMMAND [flags] FILE...`: exit 0 done,
// 1 a log could not be read or the report written, 2 bad usage.
func runAnalyze(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, analyzeUsage)
		return 2
	}
	c, o := analyzeFlags()
	if isHelp(args[0]) || args[0] == "help" {
		c.help(stdout)
		return 0
	}
	o.Command = args[0]
	files, code, ok := c.parse(args[1:], stdout, stderr)
	if !ok {
		return code
	}
	o.Files = append(o.Files, files...)
	o.Stdin, o.Log = os.Stdin, stderr
	if err := o.Check(); err != nil {
		return c.fail(stderr, "%v", err)
	}
	if err := analyze.Run(context.Background(), *o, stdout); err != nil {
		fmt.Fprintf(stderr, "poolguard analyze: %v\n", err)
		return 1
	}
	return 0
}

// analyzeFlags returns the command and the options its flags fill.
func analyzeFlags() (*command, *analyze.Options) {
	c := newCommand("analyze", analyzeUsage)
	fs := c.fs
	o := analyze.DefaultOptions()
	fs.Func("from", "analyse records at or after this RFC 3339 time", timeFlag("--from", &o.Filter.From))
	fs.Func("to", "analyse records before this RFC 3339 time", timeFlag("--to", &o.Filter.To))
	fs.DurationVar(&o.Filter.Window, "window", o.Filter.Window, "time bin of peak-rates and recommend (recommend: 1m, 2m, 5m or 10m)")
	fs.IntVar(&o.Top, "top", 0, "rows per category (peak-rates, default 5) or in all (top-callers, errors, default 10; outcomes: per table)")
	fs.BoolFunc("json", "write JSON", formatFlag(&o.Format, analyze.FormatJSON))
	fs.BoolFunc("csv", "write CSV", formatFlag(&o.Format, analyze.FormatCSV))
	fs.StringVar(&o.HTML, "html", "", "also write a self-contained HTML report with charts to `FILE`")
	fs.Float64Var(&o.Headroom, "headroom", o.Headroom, "recommend: limit = legitimate percentile peak × headroom")
	fs.Float64Var(&o.Percentile, "percentile", o.Percentile, "recommend: percentile of legitimate sources' peaks the limit starts from")
	fs.BoolVar(&o.AWSRules, "aws", false, "recommend: also print the AWS WAFv2 JSON rules of the preset")
	fs.StringVar(&o.Filter.Operation, "operation", o.Filter.Operation, "top-callers: the Cognito operation")
	fs.BoolVar(&o.Quiet, "q", false, "do not print the throughput summary on standard error")
	fs.StringVar(&o.Emit, "emit", "", "operations: `allowlist` writes the cognito-allowlist preset for the operations seen (one document, see --format)")
	fs.StringVar(&o.EmitFormat, "format", "", "operations --emit allowlist: `yaml` (poolguard waf config, the default) or aws-json (AWS WAFv2 rules and pattern set)")
	fs.StringVar(&o.Out, "out", "", "operations --emit allowlist: write the document to `FILE` instead of standard output")
	fs.Int64Var(&o.Allow.MinCalls, "min-calls", o.Allow.MinCalls, "operations --emit allowlist: allow operations called at least this many times")
	fs.BoolVar(&o.Allow.IncludeIAM, "include-iam", false, "operations --emit allowlist: also allow IAM-signed operations (apps never send them)")
	fs.Func("config", "operations --emit allowlist: the proxy's config `FILE`, whose clients' refresh modes decide what the proxy sends upstream", func(v string) error {
		cfg, err := config.Load(v)
		if err != nil {
			return err
		}
		for _, cl := range cfg.Clients {
			o.Allow.Refresh = append(o.Allow.Refresh, cl.Refresh.String())
		}
		return nil
	})
	fs.StringVar(&o.Allow.PatternSet, "pattern-set", o.Allow.PatternSet, "operations --emit allowlist: name of the regex pattern set")
	fs.StringVar(&o.Preset.Account, "account", o.Preset.Account, "operations --emit allowlist: AWS account of the ARNs in the AWS JSON")
	fs.StringVar(&o.Preset.Region, "region", o.Preset.Region, "operations --emit allowlist: AWS region of the ARNs in the AWS JSON")
	fs.DurationVar(&o.Bypass.Tolerance, "tolerance", o.Bypass.Tolerance, "bypass: largest time difference between a CloudTrail event and the proxy's record of it")
	files := func(v string) error { o.Files = append(o.Files, v); return nil }
	fs.Func("cloudtrail", "bypass: a CloudTrail log `FILE` (more may follow; the format of every file is detected)", files)
	fs.Func("waf-log", "bypass: a WAF log `FILE` of the proxy (more may follow)", files)
	fs.Func("egress-ip", "bypass: the proxy's egress `IP` toward Cognito (repeat or comma-separate)", func(v string) error {
		for _, s := range strings.Split(v, ",") {
			a, err := netip.ParseAddr(strings.TrimSpace(s))
			if err != nil {
				return fmt.Errorf("%q is not an IP address", s)
			}
			o.Bypass.Egress = append(o.Bypass.Egress, a.Unmap())
		}
		return nil
	})
	return c, &o
}

// timeFlag parses an RFC 3339 flag value into t.
func timeFlag(name string, t *time.Time) func(string) error {
	return func(v string) error {
		if v == "" {
			*t = time.Time{}
			return nil
		}
		p, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return fmt.Errorf("%s %q: want RFC 3339, e.g. 2025-03-14T15:00:00Z", name, v)
		}
		*t = p
		return nil
	}
}

// formatFlag is --json or --csv: it sets *f, and refuses the other one.
func formatFlag(f *analyze.Format, to analyze.Format) func(string) error {
	return func(v string) error {
		if v == "false" {
			return nil
		}
		if *f != analyze.FormatTable && *f != to {
			return fmt.Errorf("--json and --csv exclude each other")
		}
		*f = to
		return nil
	}
}
