// Command genlog writes a synthetic poolguard WAF log (gen.Simulated) for
// benchmarks and demonstrations.
//
//	go run ./internal/ops/analyze/gen/cmd/genlog -size 1GB -o /tmp/waf.log
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/ops/analyze/gen"
)

func main() {
	out := flag.String("o", "-", "output file (- for standard output)")
	size := flag.String("size", "", "approximate size, e.g. 100MB or 1GB")
	records := flag.Int("records", 100000, "number of records (ignored with -size)")
	start := flag.String("start", "2025-03-14T15:00:00Z", "first timestamp (RFC 3339)")
	dur := flag.Duration("duration", time.Hour, "time span of the log")
	flag.Parse()

	t, err := time.Parse(time.RFC3339, *start)
	if err != nil {
		fail(err)
	}
	c := gen.Simulated(t, *records)
	c.Duration = *dur
	if *size != "" {
		n, err := parseSize(*size)
		if err != nil {
			fail(err)
		}
		c.Records, c.Bytes = 0, n
	}
	w := os.Stdout
	if *out != "-" {
		if w, err = os.Create(*out); err != nil {
			fail(err)
		}
	}
	if err := gen.Write(w, c); err != nil {
		fail(err)
	}
	if err := w.Close(); err != nil {
		fail(err)
	}
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}} {
		if v, ok := strings.CutSuffix(strings.ToUpper(s), u.suffix); ok {
			s, mult = v, u.m
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return int64(n * float64(mult)), nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "genlog:", err)
	os.Exit(1)
}
