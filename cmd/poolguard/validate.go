package main

import (
	"fmt"
	"io"

	"github.com/poolguard/poolguard/internal/ratelimit"
	"github.com/poolguard/poolguard/internal/server"
)

const validateUsage = `Usage: poolguard validate --config FILE

Loads the config and builds everything the proxy would from it, prints
every problem (file, line, key) and exits 0 when it is valid, 1 when not.
`

// validate is `poolguard validate`.
func validate(args []string, stdout, stderr io.Writer) int {
	path, code, ok := configFlag(newCommand("validate", validateUsage), args, stdout, stderr)
	if !ok {
		return code
	}
	if _, _, ok := load(path, server.Deps{Store: ratelimit.NewMemory()}, stderr); !ok {
		return 1
	}
	fmt.Fprintln(stdout, path+": ok")
	return 0
}
