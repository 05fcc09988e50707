package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// rerunner runs mutants in a copy of the module.
type rerunner struct {
	dir   string // the copy; empty: run nothing
	coeff int
}

var rerun rerunner

// uncovered runs every NOT COVERED mutant of res in r.dir and sets its
// status from the package's tests: LIVED, KILLED, TIMED OUT or NOT VIABLE.
func (r rerunner) uncovered(w io.Writer, pkg string, res *result) error {
	if r.dir == "" {
		return nil
	}
	n := 0
	for _, f := range res.Files {
		for _, m := range f.Mutations {
			if m.Status == "NOT COVERED" {
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	start := time.Now()
	if st := r.test(pkg, time.Hour); st != "LIVED" {
		return fmt.Errorf("%s: the unmutated tests do not pass in %s (%s)", pkg, r.dir, st)
	}
	limit := time.Duration(r.coeff)*time.Since(start) + 10*time.Second
	fmt.Fprintf(w, "   running the %d mutants outside gremlins' coverage blocks (timeout %v each)\n", n, limit.Round(time.Second))
	for i := range res.Files {
		f := &res.Files[i]
		path := filepath.Join(r.dir, pkg, f.Name)
		orig, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for j := range f.Mutations {
			m := &f.Mutations[j]
			if m.Status != "NOT COVERED" {
				continue
			}
			lines := strings.Split(string(orig), "\n")
			if m.Line < 1 || m.Line > len(lines) {
				return fmt.Errorf("%s:%d: no such line", path, m.Line)
			}
			mutated, ok := mutate(lines[m.Line-1], m.Column, m.Type)
			if !ok {
				return fmt.Errorf("%s:%d:%d: no %s token", path, m.Line, m.Column, m.Type)
			}
			lines[m.Line-1] = mutated
			if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
				return err
			}
			m.Status = r.test(pkg, limit)
			if err := os.WriteFile(path, orig, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// test runs the package's tests in r.dir and returns the mutant status
// their outcome gives.
func (r rerunner) test(pkg string, limit time.Duration) string {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-failfast", "-cpu", "1", "./"+pkg)
	cmd.Dir = r.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	switch {
	case err == nil:
		return "LIVED"
	case ctx.Err() != nil:
		return "TIMED OUT"
	case bytes.Contains(out.Bytes(), []byte("[build failed]")) || bytes.Contains(out.Bytes(), []byte("[setup failed]")):
		return "NOT VIABLE"
	}
	return "KILLED"
}
