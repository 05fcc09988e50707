package exportwaf

import (
	"flag"
	"fmt"
	"io"

	"github.com/poolguard/poolguard/internal/config"
)

// Usage is `poolguard export waf`'s help.
const Usage = `Usage: poolguard export waf --config FILE [--format waf|cloudformation|ipsets] [--region R] [--account ID]

Prints the AWS WAF web ACL to attach to the user pool itself, from the
config's pool_acl section: only the proxy may call the secret-taking (and
proxy-only) operations, forbidden operations are blocked for everyone, and
the seed-001 category rate limits apply to the rest.

  waf             the WebACL as AWS WAFv2 JSON (holds the proxy header's
                  secret value: treat it as a secret)
  cloudformation  a template with the web ACL, its IP sets and the
                  association to the pool (the header value is a NoEcho
                  parameter)
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
	if err := fs.Parse(args); err != nil {
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
