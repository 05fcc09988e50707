package breached

import (
	"flag"
	"fmt"
	"io"
	"time"
)

const cliUsage = `Usage:
  poolguard passwords build --out FILE [--min-count N] INPUT...

INPUT is a Pwned Passwords SHA-1 file of "HASH:COUNT" lines, or a directory
of range files (named by the first 5 hex digits of the hash, lines
"SUFFIX:COUNT") as the official downloader writes them. The filter keeps
hashes seen at least N times (default 1); point breached_passwords.filter
at FILE.
`

// CLI runs `poolguard passwords ARGS...` and returns the exit status.
func CLI(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "build" {
		fmt.Fprint(stderr, cliUsage)
		return 2
	}
	fs := flag.NewFlagSet("passwords build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "the filter file to write")
	minCount := fs.Uint64("min-count", 1, "keep hashes seen at least this many times")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() == 0 || *minCount == 0 {
		fmt.Fprint(stderr, cliUsage)
		return 2
	}
	start := time.Now()
	st, err := Build(*out, fs.Args(), *minCount)
	if err != nil {
		fmt.Fprintf(stderr, "poolguard passwords build: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d of %d hashes (count >= %d), %d bytes (%.2f bits per entry, false-positive rate about 1/256), %v\n",
		*out, st.Kept, st.Read, *minCount, st.Bytes, float64(st.Bytes*8)/float64(st.Kept), time.Since(start).Round(time.Millisecond))
	return 0
}
