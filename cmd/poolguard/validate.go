package main

import (
	"context"
	"fmt"
	"io"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

const validateUsage = `Usage: poolguard validate --config FILE [--online]

Loads the config and builds everything the proxy would from it, prints
every problem (file, line, key) and exits 0 when it is valid, 1 when not.
It reads the config's local files (web ACL, IP set files, secrets from
the environment or files) but nothing over the network: checks that need
it (AWS Secrets Manager secrets, admin-mode AWS credentials, lists named
by URL) are listed as not checked. --online runs them too.
`

// validate is `poolguard validate`.
func validate(args []string, stdout, stderr io.Writer) int {
	c := newCommand("validate", validateUsage)
	online := c.fs.Bool("online", false, "also open the sources that need the network: Secrets Manager, AWS credentials, list URLs")
	path, code, ok := configFlag(c, args, stdout, stderr)
	if !ok {
		return code
	}
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	deps := server.Deps{Store: ratelimit.NewMemory()}
	var src *server.Sources
	var openErr error
	if *online {
		src, openErr = server.OpenSources(context.Background(), cfg, deps)
	} else {
		src, openErr = server.OfflineSources(cfg)
	}
	if _, err := server.Compile(cfg, src, deps); err != nil || openErr != nil {
		for _, e := range []error{openErr, err} {
			if e != nil {
				fmt.Fprintln(stderr, e)
			}
		}
		return 1
	}
	for _, u := range src.Unchecked {
		fmt.Fprintln(stdout, "not checked offline (needs the network; run with --online):", u)
	}
	fmt.Fprintln(stdout, path+": ok")
	return 0
}
