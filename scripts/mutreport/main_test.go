package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMutate(t *testing.T) {
	for _, tt := range []struct {
		line string
		col  int
		typ  string
		want string
		ok   bool
	}{
		{"\tif n > limit {", 7, "CONDITIONALS_BOUNDARY", "\tif n >= limit {", true},
		{"\tif n >= limit {", 7, "CONDITIONALS_NEGATION", "\tif n < limit {", true},
		{"\tif a && b {", 7, "INVERT_LOGICAL", "\tif a || b {", true},
		{"\tx &^= y", 4, "REMOVE_SELF_ASSIGNMENTS", "\tx = y", true},
		{"\tx &^= y", 4, "INVERT_BWASSIGN", "\tx &= y", true},
		{"\t\tbreak", 3, "INVERT_LOOPCTRL", "\t\tcontinue", true},
		{"\tn := -1", 7, "INVERT_NEGATIVES", "\tn := +1", true},
		{"\ti++", 3, "INCREMENT_DECREMENT", "\ti--", true},
		{"\tif n > limit {", 3, "CONDITIONALS_BOUNDARY", "\tif n > limit {", false},
		{"x", 9, "ARITHMETIC_BASE", "x", false},
	} {
		got, ok := mutate(tt.line, tt.col, tt.typ)
		if got != tt.want || ok != tt.ok {
			t.Errorf("mutate(%q, %d, %s) = %q, %v; want %q, %v", tt.line, tt.col, tt.typ, got, ok, tt.want, tt.ok)
		}
	}
}

// TestRunChecksRecordedRate: the rate counts KILLED and TIMED OUT against
// LIVED and NOT COVERED, leaves out NOT VIABLE and listed equivalents,
// prints each survivor as a diff, and -check fails below the record.
func TestRunChecksRecordedRate(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.MkdirAll("p", 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) {
		if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("p/a.go", "package p\n\nfunc f(n int) bool {\n\treturn n > 3 && n < 9\n}\n")
	write("out.json", `{"files":[{"file_name":"a.go","mutations":[
{"type":"CONDITIONALS_BOUNDARY","status":"LIVED","line":4,"column":11},
{"type":"CONDITIONALS_NEGATION","status":"KILLED","line":4,"column":11},
{"type":"INVERT_LOGICAL","status":"TIMED OUT","line":4,"column":15},
{"type":"CONDITIONALS_BOUNDARY","status":"NOT COVERED","line":4,"column":20},
{"type":"CONDITIONALS_NEGATION","status":"NOT VIABLE","line":4,"column":20},
{"type":"CONDITIONALS_NEGATION","status":"LIVED","line":4,"column":20}]}]}`)
	write("rates.txt", "# test\nrate p 60.0\nequivalent p/a.go:4:20 CONDITIONALS_NEGATION n < 9 and n >= 9 cannot both hold here\n")
	var out strings.Builder
	if err := run(&out, "p", "out.json", "rates.txt", true); err == nil || !strings.Contains(err.Error(), "below the recorded 60.0%") {
		t.Errorf("2 of 4 killed against a record of 60%%: err %v", err)
	}
	for _, want := range []string{
		"-\treturn n > 3 && n < 9\n+\treturn n >= 3 && n < 9\n",
		"-\treturn n > 3 && n < 9\n+\treturn n > 3 && n <= 9\n",
		"50.0%  killed 2 of 4 (lived 1, not covered 1, timed out 1; not viable 1, equivalent 1)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	write("rates.txt", "rate p 50.0\nminutes p 2.5  # when\nequivalent p/a.go:4:20 CONDITIONALS_NEGATION see above\n")
	if err := run(&strings.Builder{}, "p", "out.json", "rates.txt", true); err != nil {
		t.Errorf("at the recorded rate: %v", err)
	}
	if err := run(&strings.Builder{}, "q", "out.json", filepath.Join(dir, "rates.txt"), true); err == nil {
		t.Error("a package with no recorded rate passed the check")
	}
	write("rates.txt", "rate p 50.0\nminutes p soon\n")
	if err := run(&strings.Builder{}, "p", "out.json", "rates.txt", true); err == nil || !strings.Contains(err.Error(), "rates.txt:2: minutes") {
		t.Errorf("a duration that is not a number: err %v", err)
	}
}

// TestRerunUncovered: mutants that gremlins left NOT COVERED (here in a
// case expression) are run against the package's tests in the module
// copy: one the tests catch is KILLED, one they miss LIVED, one that does
// not compile NOT VIABLE; the file is restored after each.
func TestRerunUncovered(t *testing.T) {
	dir := t.TempDir()
	src := "package p\n\nvar seven = &struct{ n int }{7}\n\nfunc F(n int) bool {\n\tswitch {\n\tcase n > 3:\n\t\treturn true\n\t}\n\treturn false\n}\n"
	for name, s := range map[string]string{
		"go.mod":      "module example.com/m\n\ngo 1.22\n",
		"p/p.go":      src,
		"p/p_test.go": "package p\n\nimport \"testing\"\n\nfunc TestF(t *testing.T) {\n\tif !F(5) || F(1) {\n\t\tt.Fatal(\"F\")\n\t}\n}\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var res result
	if err := json.Unmarshal([]byte(`{"files":[{"file_name":"p.go","mutations":[
{"type":"CONDITIONALS_NEGATION","status":"NOT COVERED","line":7,"column":9},
{"type":"CONDITIONALS_BOUNDARY","status":"NOT COVERED","line":7,"column":9},
{"type":"INVERT_BITWISE","status":"NOT COVERED","line":3,"column":13},
{"type":"CONDITIONALS_NEGATION","status":"KILLED","line":7,"column":9}]}]}`), &res); err != nil {
		t.Fatal(err)
	}
	if err := (rerunner{dir: dir, coeff: 5}).uncovered(io.Discard, "p", &res); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range res.Files[0].Mutations {
		got = append(got, m.Status)
	}
	if want := "KILLED LIVED NOT VIABLE KILLED"; strings.Join(got, " ") != want {
		t.Errorf("statuses %q, want %q", got, want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "p/p.go")); string(b) != src {
		t.Errorf("source not restored:\n%s", b)
	}
}
