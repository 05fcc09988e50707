package main

import (
	"context"
	"fmt"
	"io"

	"github.com/poolguard/poolguard/internal/rules/breached"
)

const passwordsUsage = `Usage:
  poolguard passwords build --out FILE [--min-count N] INPUT...

INPUT is a Pwned Passwords SHA-1 file of "HASH:COUNT" lines, or a directory
of range files (named by the first 5 hex digits of the hash, lines
"SUFFIX:COUNT") as the official downloader writes them. The filter keeps
hashes seen at least N times (default 1); point breached_passwords.filter
at FILE.
`

// runPasswords is `poolguard passwords build`.
func runPasswords(args []string, stdout, stderr io.Writer) int {
	return group{name: "passwords", usage: passwordsUsage, subs: map[string]func([]string, io.Writer, io.Writer) int{
		"build": passwordsBuild,
	}}.run(args, stdout, stderr)
}

// passwordsBuild is `poolguard passwords build`: exit 0 built, 1 failed,
// 2 bad usage.
func passwordsBuild(args []string, stdout, stderr io.Writer) int {
	c := newCommand("passwords build", passwordsUsage)
	var o breached.Options
	c.fs.StringVar(&o.Out, "out", "", "the filter file to write")
	c.fs.Uint64Var(&o.MinCount, "min-count", 1, "keep hashes seen at least this many times")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	o.Inputs = pos
	if err := o.Check(); err != nil {
		return c.fail(stderr, "%v", err)
	}
	if err := breached.Run(context.Background(), o, stdout); err != nil {
		fmt.Fprintf(stderr, "poolguard passwords build: %v\n", err)
		return 1
	}
	return 0
}
