package exportwaf

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/poolguard/poolguard/internal/config"
)

// Usage is `poolguard export waf`'s help.
const Usage = `Usage: poolguard export waf --config FILE [--format waf|cloudformation|ipsets]
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

// Main runs `poolguard export waf` with args (after "waf") and returns the
// exit status: 0 done, 1 the config or export failed, 2 bad usage.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export waf", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, Usage) }
	path := fs.String("config", "", "poolguard config file")
	format := fs.String("format", "waf", "waf, cloudformation or ipsets")
	var opts Options
	fs.StringVar(&opts.Region, "region", "", "region in IP set ARNs (default upstream.region)")
	fs.StringVar(&opts.Account, "account", "", "account in IP set ARNs (default waf.account)")
	logBucket := fs.String("log-bucket", "", "default of the template's WAFLogsS3Bucket parameter (aws-waf-logs-...)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, Usage)
			return 0
		}
		return 2
	}
	if *logBucket != "" && !strings.HasPrefix(*logBucket, "aws-waf-logs-") {
		fmt.Fprintf(stderr, "poolguard export waf: --log-bucket %q: AWS WAF logs only to buckets named aws-waf-logs-...\n", *logBucket)
		return 2
	}
	if *path == "" || fs.NArg() > 0 {
		fmt.Fprint(stderr, Usage)
		return 2
	}
	cfg, err := config.Load(*path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	e, err := Build(cfg, opts)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", *path, err)
		return 1
	}
	e.LogBucket = *logBucket
	for _, name := range e.EmptyIPSets {
		fmt.Fprintf(stderr, "note: IP set %s is exported empty (fill it in waf.ip_sets, or in AWS after deploying)\n", name)
	}
	var out []byte
	switch *format {
	case "waf":
		out, err = e.WebACLJSON()
	case "cloudformation":
		out, err = e.CloudFormation()
	case "ipsets":
		out, err = e.IPSetsJSON()
	default:
		fmt.Fprintf(stderr, "poolguard export waf: --format %q is not waf, cloudformation or ipsets\n", *format)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "poolguard export waf:", err)
		return 1
	}
	fmt.Fprintln(stdout, string(out))
	return 0
}
