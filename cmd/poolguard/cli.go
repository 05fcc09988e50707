package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// A command is one `poolguard NAME` that takes flags: its flag set and its
// help. Every subcommand parses its flags through a command, so all answer
// -h/--help the same way (usage and flags on standard output, exit 0) and a
// bad flag the same way (the error and a pointer to --help on standard
// error, exit 2).
//
// The standard flag package, not kong or cobra: both of those (through
// pflag) would refuse the single-dash long flags (-config, -q ... -json)
// that the flag package has always accepted here, and they change help and
// error text that scripts and tests read; what they add (completion) does
// not pay for breaking existing command lines.
type command struct {
	name  string // "analyze", "rules export"
	usage string // the help above the flag list
	fs    *flag.FlagSet
}

// newCommand returns the command `poolguard name` with help usage.
func newCommand(name, usage string) *command {
	fs := flag.NewFlagSet("poolguard "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors itself
	fs.Usage = func() {}
	return &command{name: name, usage: usage, fs: fs}
}

// parse parses args, flags anywhere among the positional words (a "--"
// ends the flags), and returns the positional words. ok is false when the
// command must stop with exit status code: 0 after printing the help for
// -h/--help, 2 after reporting a bad flag.
func (c *command) parse(args []string, stdout, stderr io.Writer) (pos []string, code int, ok bool) {
	for rest := args; ; {
		err := c.fs.Parse(rest)
		if errors.Is(err, flag.ErrHelp) {
			c.help(stdout)
			return nil, 0, false
		}
		if err != nil {
			return nil, c.fail(stderr, "%v", err), false
		}
		left := c.fs.Args()
		if len(left) == 0 {
			return pos, 0, true
		}
		if used := len(rest) - len(left); used > 0 && rest[used-1] == "--" {
			// Parse stopped at "--": the rest is positional.
			return append(pos, left...), 0, true
		}
		pos = append(pos, left[0])
		rest = left[1:]
	}
}

// help writes the command's usage and flags.
func (c *command) help(w io.Writer) {
	fmt.Fprint(w, c.usage)
	var flags bool
	c.fs.VisitAll(func(*flag.Flag) { flags = true })
	if !flags {
		return
	}
	fmt.Fprint(w, "\nFlags:\n")
	c.fs.SetOutput(w)
	c.fs.PrintDefaults()
	c.fs.SetOutput(io.Discard)
}

// fail reports a usage error on stderr and returns exit status 2.
func (c *command) fail(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "poolguard %s: %s\nRun 'poolguard %s --help' for usage.\n", c.name, fmt.Sprintf(format, a...), c.name)
	return 2
}

// A group is a command whose first word names a subcommand: `poolguard
// rules export|test`.
type group struct {
	name  string
	usage string
	subs  map[string]func(args []string, stdout, stderr io.Writer) int
}

// run dispatches args to the subcommand args[0] names. No word prints the
// usage on stderr (exit 2), -h/--help/help prints it on stdout (exit 0).
func (g group) run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, g.usage)
		return 2
	}
	if isHelp(args[0]) || args[0] == "help" {
		fmt.Fprint(stdout, g.usage)
		return 0
	}
	if sub := g.subs[args[0]]; sub != nil {
		return sub(args[1:], stdout, stderr)
	}
	what := "unknown command"
	if strings.HasPrefix(args[0], "-") {
		what = "unknown flag"
	}
	var names []string
	for n := range g.subs {
		names = append(names, n)
	}
	slices.Sort(names)
	fmt.Fprintf(stderr, "poolguard %s: %s %q (want %s)\nRun 'poolguard %s --help' for usage.\n",
		g.name, what, args[0], strings.Join(names, ", "), g.name)
	return 2
}

// isHelp reports whether arg asks for help: -h, -help or --help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}
