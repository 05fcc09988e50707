// Command poolguard is a proxy that protects Amazon Cognito user pools.
//
// Usage:
//
//	poolguard serve --config FILE
//	poolguard validate --config FILE
//	poolguard version | --version
//
// Every subcommand's flags and help live in this package, one file per
// subcommand (serve.go, validate.go, rules.go, analyze.go, audit.go,
// export.go, ipset.go, health.go, passwords.go, version.go); the packages
// under internal/ take a plain Options value and never parse flags.
package main

import (
	"fmt"
	"io"
	"os"
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

Run 'poolguard COMMAND --help' for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// commands are the subcommands by name; each takes the words after its
// name and returns the exit status.
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"serve":     serve,
	"validate":  validate,
	"rules":     rules,
	"analyze":   runAnalyze,
	"audit":     runAudit,
	"export":    runExport,
	"ipset":     runIPSet,
	"health":    health,
	"passwords": runPasswords,
	"version":   version,
	"--version": version,
	"-version":  version,
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if cmd := commands[args[0]]; cmd != nil {
		return cmd(args[1:], stdout, stderr)
	}
	if isHelp(args[0]) || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "poolguard: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// configFlag parses the flags of a subcommand whose only flag is
// --config, which is required.
func configFlag(c *command, args []string, stdout, stderr io.Writer) (path string, code int, ok bool) {
	p := c.fs.String("config", "", "path to the config file (YAML or JSON)")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return "", code, false
	}
	if len(pos) > 0 {
		return "", c.fail(stderr, "unexpected argument %q", pos[0]), false
	}
	if *p == "" {
		return "", c.fail(stderr, "--config FILE is required"), false
	}
	return *p, 0, true
}
