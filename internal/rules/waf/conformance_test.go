package waf

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the conformance suite's verdicts.golden files (outputs only)")

// TestConformance runs every folder of testdata/conformance: rules.json
// (AWS JSON), an optional sets.json, and requests.json (requests with the
// expected action, terminating rule, labels and counting rules). The full
// verdicts are compared with verdicts.golden, which -update rewrites.
func TestConformance(t *testing.T) {
	dirs, err := filepath.Glob("testdata/conformance/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no conformance cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) { runCase(t, dir) })
	}
}

func runCase(t *testing.T, dir string) {
	rules := readFile(t, filepath.Join(dir, "rules.json"))
	var sets testSets
	if b, err := os.ReadFile(filepath.Join(dir, "sets.json")); err == nil {
		decodeStrict(t, b, &sets)
	}
	store := newFakeStore()
	eng, err := New(rules, sets.options(t, store))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	var reqs []testRequest
	decodeStrict(t, readFile(t, filepath.Join(dir, "requests.json")), &reqs)
	var golden strings.Builder
	var out Verdict
	for i, r := range reqs {
		v := r.view()
		n := max(r.Repeat, 1)
		for range n {
			if err := eng.Evaluate(context.Background(), testStart.Add(time.Duration(r.At*float64(time.Second))), v, &out); err != nil {
				t.Fatalf("request %d (%s): %v", i, r.Name, err)
			}
		}
		fmt.Fprintf(&golden, "# %d %s\n%s", i, r.Name, render(&out))
		checkExpect(t, i, &r, &out)
	}
	goldenPath := filepath.Join(dir, "verdicts.golden")
	if *update {
		if err := os.WriteFile(goldenPath, []byte(golden.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := string(readFile(t, goldenPath))
	if got := golden.String(); got != want {
		t.Errorf("verdicts differ from %s (run with -update to accept):\n--- got\n%s--- want\n%s", goldenPath, got, want)
	}
}

func checkExpect(t *testing.T, i int, r *testRequest, out *Verdict) {
	t.Helper()
	e := r.Expect
	if out.Action != e.Action || out.TerminatingRuleID != e.TerminatingRuleID {
		t.Errorf("request %d (%s): got %s by %s, want %s by %s", i, r.Name, out.Action, out.TerminatingRuleID, e.Action, e.TerminatingRuleID)
	}
	if !slices.Equal(out.Labels, e.Labels) && !(len(out.Labels) == 0 && len(e.Labels) == 0) {
		t.Errorf("request %d (%s): labels %q, want %q", i, r.Name, out.Labels, e.Labels)
	}
	var counted []string
	for _, m := range out.NonTerminating {
		counted = append(counted, m.RuleID)
	}
	if !slices.Equal(counted, e.NonTerminating) && !(len(counted) == 0 && len(e.NonTerminating) == 0) {
		t.Errorf("request %d (%s): counted %q, want %q", i, r.Name, counted, e.NonTerminating)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeStrict(t testing.TB, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatal(err)
	}
}
