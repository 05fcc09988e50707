package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/poolguard/poolguard/internal/ops/audit"
)

const auditUsage = `Usage: poolguard audit [--config FILE] [--user-pool-id ID ...] [--region R] [--endpoint URL] [--json | --sarif]

Reads each user pool (the pools of the config's clients, and --user-pool-id)
and its app clients with the default AWS credential chain, and reports the
settings that let users or callers go around the proxy, with their fixes.

Exit status: 0 no findings (or only info), 1 worst finding low or medium,
2 worst finding high, 3 the audit could not run (bad flags included: unlike
the other commands, whose usage errors exit 2, since 2 means high here).
`

// auditTimeout bounds the whole audit: reading every pool and its clients.
const auditTimeout = 2 * time.Minute

// runAudit is `poolguard audit`: exit 0 clean, 1 low/medium, 2 high, 3 error.
func runAudit(args []string, stdout, stderr io.Writer) int {
	c := newCommand("audit", auditUsage)
	var o audit.Options
	c.fs.StringVar(&o.ConfigPath, "config", "", "poolguard config file")
	c.fs.Func("user-pool-id", "user pool id (repeatable)", func(v string) error { o.PoolIDs = append(o.PoolIDs, v); return nil })
	c.fs.StringVar(&o.Region, "region", "", "region for pool ids without one")
	c.fs.StringVar(&o.Endpoint, "endpoint", "", "Cognito endpoint URL (emulators)")
	c.fs.StringVar(&o.Format, "format", "text", "text, json or sarif")
	asJSON := c.fs.Bool("json", false, "same as --format json")
	asSARIF := c.fs.Bool("sarif", false, "same as --format sarif")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok && code == 2 {
		return 3 // a bad flag: 2 already means "worst finding high" here
	}
	if !ok {
		return code
	}
	switch {
	case *asJSON:
		o.Format = "json"
	case *asSARIF:
		o.Format = "sarif"
	}
	if len(pos) > 0 {
		c.fail(stderr, "unexpected argument %q", pos[0])
		return 3
	}
	if err := o.Check(); err != nil {
		c.fail(stderr, "%v", err)
		return 3
	}
	ctx, cancel := context.WithTimeout(context.Background(), auditTimeout)
	defer cancel()
	err := audit.Run(ctx, o, stdout)
	if f := (*audit.FindingsError)(nil); errors.As(err, &f) {
		return audit.ExitCode(f.Worst, true)
	}
	if err != nil {
		fmt.Fprintln(stderr, "poolguard audit:", err)
		return 3
	}
	return 0
}
