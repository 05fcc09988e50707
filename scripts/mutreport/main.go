// Command mutreport reads the machine-readable result of one gremlins run
// over one package (gremlins unleash -o FILE), prints the package's kill
// rate and every surviving mutant as a diff, and, with -check, fails when
// the rate is below the figure recorded for the package in the rates file.
// scripts/mutation.sh runs it; see the README's "Mutation testing".
//
// The kill rate counts a mutant as killed when the package's tests failed
// (KILLED) or hung (TIMED OUT), and as surviving when they passed (LIVED)
// or no test reached its line (NOT COVERED). Mutants that do not compile
// (NOT VIABLE) and those the rates file lists as equivalent are left out.
//
// gremlins only runs mutants inside the blocks of Go's coverage profile,
// which leave out switch case expressions and package-level initialisers:
// with -workdir (a copy of the module), mutreport runs each mutant gremlins
// reported NOT COVERED itself, the same way (one mutant, the package's
// tests, a timeout), so that a "case !solved(...)" is tested too.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// result is the part of gremlins' JSON output that the report reads.
type result struct {
	Files []struct {
		Name      string `json:"file_name"`
		Mutations []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
			Line   int    `json:"line"`
			Column int    `json:"column"`
		} `json:"mutations"`
	} `json:"files"`
}

// rates is the committed rates file: the recorded kill rate per package and
// the equivalent mutants, keyed "FILE:LINE:COLUMN MUTATOR".
type rates struct {
	rate       map[string]float64
	equivalent map[string]string
}

func main() {
	var (
		pkg       = flag.String("pkg", "", "package directory, relative to the module root (internal/rules/waf)")
		in        = flag.String("json", "", "gremlins output file (-o)")
		ratesPath = flag.String("rates", "scripts/mutation-rates.txt", "recorded kill rates and equivalent mutants")
		check     = flag.Bool("check", false, "exit 1 when the kill rate is below the recorded figure")
		workdir   = flag.String("workdir", "", "a copy of the module in which to run the mutants gremlins did not")
		coeff     = flag.Int("timeout-coefficient", 5, "a re-run mutant's tests time out after this many times the unmutated run")
	)
	flag.Parse()
	rerun = rerunner{dir: *workdir, coeff: *coeff}
	if err := run(os.Stdout, *pkg, *in, *ratesPath, *check); err != nil {
		fmt.Fprintln(os.Stderr, "mutreport:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, pkg, in, ratesPath string, check bool) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var res result
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	rs, err := readRates(ratesPath)
	if err != nil {
		return err
	}
	if err := rerun.uncovered(w, pkg, &res); err != nil {
		return err
	}
	s := summarize(pkg, &res, rs)
	for _, m := range s.survivors {
		fmt.Fprint(w, diff(m))
	}
	fmt.Fprintf(w, "%-22s %6.1f%%  killed %d of %d (lived %d, not covered %d, timed out %d; not viable %d, equivalent %d)\n",
		pkg, s.rate(), s.killed+s.timedOut, s.counted(), s.lived, s.notCovered, s.timedOut, s.notViable, s.equivalent)
	if !check {
		return nil
	}
	want, ok := rs.rate[pkg]
	if !ok {
		return fmt.Errorf("%s: no kill rate recorded in %s", pkg, ratesPath)
	}
	if s.rate() < want {
		return fmt.Errorf("%s: kill rate %.1f%% is below the recorded %.1f%%: kill the survivors above or list them as equivalent in %s", pkg, s.rate(), want, ratesPath)
	}
	return nil
}

// mutant is one surviving mutant, located in the module.
type mutant struct {
	file, typ, status string
	line, col         int
}

type summary struct {
	killed, timedOut, lived, notCovered, notViable, equivalent int
	survivors                                                  []mutant
}

func (s *summary) counted() int { return s.killed + s.timedOut + s.lived + s.notCovered }

func (s *summary) rate() float64 {
	if s.counted() == 0 {
		return 100
	}
	return float64(s.killed+s.timedOut) * 100 / float64(s.counted())
}

func summarize(pkg string, res *result, rs *rates) *summary {
	s := &summary{}
	for _, f := range res.Files {
		file := filepath.ToSlash(filepath.Join(pkg, f.Name))
		for _, m := range f.Mutations {
			key := fmt.Sprintf("%s:%d:%d %s", file, m.Line, m.Column, m.Type)
			switch {
			case m.Status == "NOT VIABLE" || m.Status == "SKIPPED":
				s.notViable++
			case m.Status == "KILLED":
				s.killed++
			case m.Status == "TIMED OUT":
				s.timedOut++
			case rs.equivalent[key] != "":
				s.equivalent++
			case m.Status == "LIVED":
				s.lived++
				s.survivors = append(s.survivors, mutant{file, m.Type, m.Status, m.Line, m.Column})
			case m.Status == "NOT COVERED":
				s.notCovered++
				s.survivors = append(s.survivors, mutant{file, m.Type, m.Status, m.Line, m.Column})
			}
		}
	}
	sort.Slice(s.survivors, func(i, j int) bool {
		a, b := s.survivors[i], s.survivors[j]
		if a.file != b.file {
			return a.file < b.file
		}
		return a.line < b.line || a.line == b.line && a.col < b.col
	})
	return s
}

// readRates parses the rates file: "rate PACKAGE PERCENT ...",
// "minutes PACKAGE N ..." (checked, used by scripts/mutation.sh) and
// "equivalent FILE:LINE:COLUMN MUTATOR why...", "#" comments.
func readRates(path string) (*rates, error) {
	rs := &rates{rate: map[string]float64{}, equivalent: map[string]string{}}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return rs, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch {
		case fields[0] == "rate" && len(fields) >= 3:
			v, err := strconv.ParseFloat(strings.TrimSuffix(fields[2], "%"), 64)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: rate: %v", path, n, err)
			}
			rs.rate[fields[1]] = v
		case fields[0] == "equivalent" && len(fields) >= 4:
			rs.equivalent[fields[1]+" "+fields[2]] = strings.Join(fields[3:], " ")
		case fields[0] == "minutes" && len(fields) >= 3:
			// a package's measured run time, read by scripts/mutation.sh --budget
			if _, err := strconv.ParseFloat(fields[2], 64); err != nil {
				return nil, fmt.Errorf("%s:%d: minutes: %v", path, n, err)
			}
		default:
			return nil, fmt.Errorf("%s:%d: want \"rate PACKAGE PERCENT\", \"minutes PACKAGE N\" or \"equivalent FILE:LINE:COLUMN MUTATOR why\"", path, n)
		}
	}
	return rs, sc.Err()
}
