package main

import (
	"strings"
	"testing"
)

// subcommands are every command line that takes flags, as a user types
// its words before the flags.
var subcommands = [][]string{
	{"serve"}, {"validate"},
	{"rules", "export"}, {"rules", "test"},
	{"analyze", "peak-rates"}, {"analyze", "recommend"}, {"analyze", "top-callers"}, {"analyze", "errors"},
	{"analyze", "operations"}, {"analyze", "outcomes"}, {"analyze", "bypass"},
	{"audit"}, {"export", "waf"}, {"ipset", "add"}, {"ipset", "remove"}, {"ipset", "list"},
	{"health"}, {"passwords", "build"}, {"version"},
}

// Every subcommand answers -h and --help with its usage and flags on
// standard output and exit 0, whatever else is on the line, and nothing
// on standard error; the command groups answer with their commands.
func TestHelp(t *testing.T) {
	groups := [][]string{{"rules"}, {"analyze"}, {"export"}, {"ipset"}, {"passwords"}, nil}
	for _, words := range append(subcommands, groups...) {
		for _, h := range []string{"--help", "-h", "-help"} {
			args := append(append([]string{}, words...), h)
			code, out, errOut := runCmd(t, args...)
			if code != 0 || errOut != "" || !strings.Contains(strings.ToLower(out), "usage") {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want usage on stdout, exit 0", args, code, out, errOut)
			}
		}
	}
	// A subcommand's help lists its flags.
	for _, tt := range []struct{ args, want []string }{
		{[]string{"serve", "--help"}, []string{"poolguard serve --config FILE", "-config"}},
		{[]string{"analyze", "peak-rates", "--help"}, []string{"peak-rates", "-window duration", "-egress-ip IP"}},
		{[]string{"audit", "--help"}, []string{"Exit status", "-user-pool-id"}},
		{[]string{"export", "waf", "--help"}, []string{"cloudformation", "-log-bucket"}},
		{[]string{"rules", "export", "--help"}, []string{"cognito-categories", "-param"}},
		{[]string{"ipset", "--help"}, []string{"poolguard ipset add", "-token-env"}},
		{[]string{"passwords", "build", "-h"}, []string{"Pwned Passwords", "-min-count"}},
	} {
		_, out, _ := runCmd(t, tt.args...)
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%q: help lacks %q:\n%s", tt.args, w, out)
			}
		}
	}
}

// Every subcommand refuses a flag it does not know with exit 2 (audit: 3,
// its documented "could not run", as 2 means a high finding there),
// nothing on standard output, and a message on standard error that names
// the flag and the way to the help.
func TestUnknownFlag(t *testing.T) {
	groups := [][]string{{"rules"}, {"export"}, {"passwords"}}
	for _, words := range append(subcommands, groups...) {
		args := append(append([]string{}, words...), "--no-such-flag")
		code, out, errOut := runCmd(t, args...)
		want := 2
		if words[0] == "audit" {
			want = 3
		}
		if code != want || out != "" || !strings.Contains(errOut, "no-such-flag") || !strings.Contains(errOut, "poolguard "+words[0]) || !strings.Contains(errOut, "--help") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d and the flag named on stderr", args, code, out, errOut, want)
		}
	}
}

// A bad flag value is a usage error too, named with its flag.
func TestBadFlagValue(t *testing.T) {
	for _, args := range [][]string{
		{"health", "--timeout", "soon"},
		{"analyze", "peak-rates", "--top", "many", "f"},
		{"passwords", "build", "--min-count", "-1", "x"},
		{"ipset", "add", "S", "10.0.0.1", "--ttl", "forever"},
		{"audit", "--user-pool-id", "x", "--json=maybe"},
	} {
		code, out, errOut := runCmd(t, args...)
		want := 2
		if args[0] == "audit" {
			want = 3
		}
		if code != want || out != "" || !strings.Contains(errOut, "invalid") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}
