package main

import (
	"fmt"
	"io"

	"github.com/poolguard/poolguard/internal/ops/buildinfo"
)

const versionUsage = `Usage: poolguard version | poolguard --version

Prints the version, VCS revision and Go version the binary was built with.
`

// version is `poolguard version`.
func version(args []string, stdout, stderr io.Writer) int {
	c := newCommand("version", versionUsage)
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.fail(stderr, "unexpected argument %q", pos[0])
	}
	fmt.Fprintln(stdout, buildinfo.Get())
	return 0
}
