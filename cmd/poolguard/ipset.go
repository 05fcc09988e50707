package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/poolguard/poolguard/internal/ops/adminapi"
)

const ipsetUsage = `usage:
  poolguard ipset add    NAME ADDR... [--ttl 1h] [--admin URL] [--token-env NAME]
  poolguard ipset remove NAME ADDR... [--ttl 1h] [--admin URL] [--token-env NAME]
  poolguard ipset list   [NAME]               [--admin URL] [--token-env NAME]

ADDR is an address or CIDR, "-" for one per line on standard input, or
@FILE for one per line in FILE (blank lines and # comments skipped); large
inputs are sent in batches of ` + "1000" + ` with progress on standard error.
NAME must be an IP set the proxy's configuration defines, and each address
of its family (a V4 set takes IPv4 only); the proxy refuses anything else
and lists its sets. Every change is in the proxy's audit log.

--admin defaults to $POOLGUARD_ADMIN_URL, else ` + adminapi.DefaultAdminURL + `;
the token is read from the variable --token-env names (default ` + adminapi.DefaultTokenEnv + `).
`

// runIPSet is `poolguard ipset add|remove|list`: exit 0 done, 1 the API
// refused or failed, 2 bad usage.
func runIPSet(args []string, stdout, stderr io.Writer) int {
	return ipsetCommand(args, os.Stdin, stdout, stderr)
}

func ipsetCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "ipset" {
		args = args[1:] // "poolguard ipset ipset add" has always worked
	}
	c := newCommand("ipset", ipsetUsage)
	admin := c.fs.String("admin", cmpEnv("POOLGUARD_ADMIN_URL", adminapi.DefaultAdminURL), "the admin API's base `URL`")
	tokenEnv := c.fs.String("token-env", adminapi.DefaultTokenEnv, "the environment variable holding the admin token")
	ttl := c.fs.Duration("ttl", 0, "add: the entries expire after this long")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 && pos[0] == "help" {
		c.help(stdout)
		return 0
	}
	o := adminapi.ClientOptions{Admin: *admin, TTL: *ttl, Log: stderr}
	switch {
	case len(pos) >= 1 && pos[0] == "list" && len(pos) <= 2:
		o.Command = "list"
		if len(pos) == 2 {
			o.Set = pos[1]
		}
	case len(pos) >= 3 && (pos[0] == "add" || pos[0] == "remove"):
		o.Command, o.Set = pos[0], pos[1]
		addrs, err := adminapi.ExpandAddresses(pos[2:], stdin)
		if err != nil {
			return c.fail(stderr, "%v", err)
		}
		if len(addrs) == 0 {
			return c.fail(stderr, "no addresses given")
		}
		o.Addresses = addrs
	default:
		fmt.Fprint(stderr, ipsetUsage)
		return 2
	}
	if o.Token = os.Getenv(*tokenEnv); o.Token == "" {
		return c.fail(stderr, "$%s is empty; set it to the admin token", *tokenEnv)
	}
	if err := adminapi.Run(context.Background(), o, stdout); err != nil {
		fmt.Fprintf(stderr, "poolguard ipset: %v\n", err)
		var e *adminapi.Error
		if errors.As(err, &e) {
			for _, b := range e.Invalid {
				fmt.Fprintf(stderr, "  addresses[%d] %q: %s\n", b.Index, b.Address, b.Reason)
			}
		}
		return 1
	}
	return 0
}

// cmpEnv returns the environment variable name, or def when it is empty.
func cmpEnv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
