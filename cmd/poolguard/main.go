// Command poolguard is a proxy that protects Amazon Cognito user pools.
//
// Usage:
//
//	poolguard serve --config FILE
//	poolguard validate --config FILE
//	poolguard version | --version
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/poolguard/poolguard/internal/adminapi"
	"github.com/poolguard/poolguard/internal/analyze"
	"github.com/poolguard/poolguard/internal/breached"
	"github.com/poolguard/poolguard/internal/buildinfo"
	"github.com/poolguard/poolguard/internal/exportwaf"
)

const usage = `poolguard protects an Amazon Cognito user pool.

Usage:
  poolguard serve    --config FILE   run the proxy
  poolguard validate --config FILE   check a config file and exit 0 (valid) or 1
  poolguard rules export PRESET [--param K=V ...] [--format waf|cloudformation]
                                     print a preset as AWS WAFv2 JSON or a rule group template
  poolguard rules test --config FILE --request REQ.json
                                     run the proxy's pipeline on sample requests (docs/rules-test.md)
  poolguard analyze peak-rates|recommend|top-callers|errors|operations|bypass LOG...
                                     find attackers, tune limits and learn the operation
                                     allow list from WAF (or CloudTrail) logs
  poolguard audit    --config FILE   report user pool settings a proxy cannot fix
  poolguard export waf --config FILE [--format waf|cloudformation|ipsets]
                                     the web ACL to attach to the user pool itself
  poolguard ipset add|remove|list NAME [ADDR...] [--ttl 1h]
                                     change IP sets at run time (admin API)
  poolguard health   [--admin HOST:PORT]
                                     exit 0 if a running poolguard's /healthz answers 200
  poolguard passwords build --out FILE [--min-count N] INPUT...
                                     compile the Pwned Passwords corpus into a filter
  poolguard version | --version      print the version, VCS revision and Go version
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if selfHelp[args[0]] && wantsHelp(args[1:]) {
		fmt.Fprint(stdout, commandUsage(args[0]))
		return 0
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "validate":
		return validate(args[1:], stdout, stderr)
	case "rules":
		return rules(args[1:], stdout, stderr)
	case "audit":
		return runAudit(args[1:], stdout, stderr)
	case "export":
		return runExport(args[1:], stdout, stderr)
	case "analyze":
		return analyze.Main(args[1:], stdout, stderr)
	case "ipset":
		return adminapi.CLI(args[1:], stdout, stderr)
	case "health":
		return health(args[1:], stdout, stderr)
	case "passwords":
		return breached.CLI(args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, buildinfo.Get())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "poolguard: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// selfHelp are the commands whose -h/--help main answers (the others answer
// it themselves).
var selfHelp = map[string]bool{"serve": true, "validate": true, "rules": true, "audit": true, "export": true, "health": true, "passwords": true}

// wantsHelp reports whether args ask for help: -h, -help or --help.
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}

// commandUsage returns the usage lines of command, from the main usage.
func commandUsage(command string) string {
	if command == "export" {
		return exportwaf.Usage
	}
	var b strings.Builder
	b.WriteString("Usage:\n")
	lines := strings.Split(usage, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "  poolguard "+command+" ") {
			continue
		}
		b.WriteString(l + "\n")
		for _, more := range lines[i+1:] {
			if !strings.HasPrefix(more, "      ") {
				break
			}
			b.WriteString(more + "\n")
		}
	}
	return b.String()
}

// configFlag parses the --config flag of a subcommand.
func configFlag(name string, args []string, stderr io.Writer) (string, bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "path to the config file (YAML or JSON)")
	if err := fs.Parse(args); err != nil {
		return "", false
	}
	if *path == "" {
		fmt.Fprintf(stderr, "poolguard %s: --config FILE is required\n", name)
		return "", false
	}
	return *path, true
}
