package main

import (
	"context"
	"fmt"
	"io"

	"github.com/poolguard/poolguard/internal/ops/exportwaf"
)

const exportUsage = `Usage:
  poolguard export waf --config FILE [--format waf|cloudformation|ipsets]
                                     the web ACL to attach to the user pool itself

Run 'poolguard export waf --help' for its flags.
`

const exportWAFUsage = `Usage: poolguard export waf --config FILE [--format waf|cloudformation|ipsets]
                           [--region R] [--account ID] [--log-bucket aws-waf-logs-NAME]

Prints the AWS WAF web ACL to attach to the user pool itself, from the
config's pool_acl section: only the proxy may call the secret-taking (and
proxy-only) operations, forbidden operations are blocked for everyone, and
per-IP rate limits per Cognito action category (as in AWS's article
"Protect your Amazon Cognito user pool with AWS WAF") apply to
the rest. IP sets filled in waf.ip_sets are exported with their addresses;
empty ones are named on stderr.

  waf             the WebACL as AWS WAFv2 JSON (holds the proxy header's
                  secret value: treat it as a secret)
  cloudformation  a template with the web ACL, its IP sets, the association
                  to the pool and optional logging; the rate limits,
                  TestMode and WAFLogsS3Bucket are stack parameters (the
                  header value is a NoEcho parameter)
  ipsets          the IP sets the WebACL references, as JSON
`

// runExport is `poolguard export waf`.
func runExport(args []string, stdout, stderr io.Writer) int {
	return group{name: "export", usage: exportUsage, subs: map[string]func([]string, io.Writer, io.Writer) int{
		"waf": runExportWAF,
	}}.run(args, stdout, stderr)
}

// runExportWAF is `poolguard export waf`: exit 0 done, 1 the config or
// export failed, 2 bad usage.
func runExportWAF(args []string, stdout, stderr io.Writer) int {
	c := newCommand("export waf", exportWAFUsage)
	var o exportwaf.Options
	c.fs.StringVar(&o.ConfigPath, "config", "", "poolguard config file")
	c.fs.StringVar(&o.Format, "format", "waf", "waf, cloudformation or ipsets")
	c.fs.StringVar(&o.Region, "region", "", "region in IP set ARNs (default upstream.region)")
	c.fs.StringVar(&o.Account, "account", "", "account in IP set ARNs (default waf.account)")
	c.fs.StringVar(&o.LogBucket, "log-bucket", "", "default of the template's WAFLogsS3Bucket parameter (aws-waf-logs-...)")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.fail(stderr, "unexpected argument %q", pos[0])
	}
	if err := o.CheckRun(); err != nil {
		return c.fail(stderr, "%v", err)
	}
	o.Log = stderr
	if err := exportwaf.Run(context.Background(), o, stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
