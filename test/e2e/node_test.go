package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// RequireBrowserEnv is the environment variable that, set to "1", turns
// this package's skips (node, npm packages or Chromium missing) into
// failures. CI sets it.
const RequireBrowserEnv = "POOLGUARD_REQUIRE_BROWSER"

// chromiumEnv overrides the Chromium executable (default /usr/bin/chromium).
const chromiumEnv = "POOLGUARD_CHROMIUM"

// need skips t, or fails it when RequireBrowserEnv is "1", if ok is false.
func need(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if ok {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(RequireBrowserEnv) == "1" {
		t.Fatalf("%s is 1 but %s", RequireBrowserEnv, msg)
	}
	t.Skip(msg + ": skipping (scripts/setup.sh installs it)")
}

// nodeProject returns the absolute path of the repository's e2e/ folder
// after checking that node and the given npm packages are installed.
func nodeProject(t *testing.T, packages ...string) string {
	t.Helper()
	_, err := exec.LookPath("node")
	need(t, err == nil, "node is not on PATH")
	dir, err := filepath.Abs(filepath.Join("..", "..", "e2e"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range packages {
		_, err := os.Stat(filepath.Join(dir, "node_modules", p, "package.json"))
		need(t, err == nil, "npm package %s is not installed in %s (run npm ci there)", p, dir)
	}
	return dir
}

// chromium returns the Chromium executable, skipping t if there is none.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv(chromiumEnv)
	if path == "" {
		path = "/usr/bin/chromium"
	}
	_, err := os.Stat(path)
	need(t, err == nil, "Chromium not found at %s (Debian package chromium)", path)
	return path
}

// scriptResult is what every e2e script prints: the outcome of its steps.
type scriptResult struct {
	Library  string       `json:"library"`
	Endpoint string       `json:"endpoint"`
	OK       bool         `json:"ok"`
	Steps    []stepResult `json:"steps"`
}

// stepResult is one step of a script.
type stepResult struct {
	Name   string          `json:"name"`
	OK     bool            `json:"ok"`
	MS     int             `json:"ms"`
	Detail json.RawMessage `json:"detail"`
	Error  *scriptError    `json:"error"`
}

// scriptError is a library error as the script saw it.
type scriptError struct {
	Name    string `json:"name"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// step returns the step named name, failing t if the script did not run it.
func (r *scriptResult) step(t *testing.T, name string) stepResult {
	t.Helper()
	for _, s := range r.Steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("%s did not run step %s; steps: %s", r.Library, name, r.summary())
	return stepResult{}
}

// summary renders the steps in one line each.
func (r *scriptResult) summary() string {
	var b strings.Builder
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "\n  %-20s ok=%-5v %5dms", s.Name, s.OK, s.MS)
		if s.Error != nil {
			fmt.Fprintf(&b, " %s: %s", s.Error.Code, s.Error.Message)
		} else if len(s.Detail) > 0 && string(s.Detail) != "null" {
			fmt.Fprintf(&b, " %s", s.Detail)
		}
	}
	return b.String()
}

// requireAllOK fails t unless every step in want ran and succeeded.
func (r *scriptResult) requireAllOK(t *testing.T, want ...string) {
	t.Helper()
	for _, name := range want {
		if s := r.step(t, name); !s.OK {
			t.Fatalf("%s against %s: step %s failed; steps:%s", r.Library, r.Endpoint, name, r.summary())
		}
	}
	if !r.OK {
		t.Fatalf("%s against %s: a step failed:%s", r.Library, r.Endpoint, r.summary())
	}
}

// detail decodes a step's detail into v.
func (s stepResult) detail(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(s.Detail, v); err != nil {
		t.Fatalf("step %s: detail %s: %v", s.Name, s.Detail, err)
	}
}

// runNode runs `node script` in dir with env added to the environment,
// bounded by timeout, and decodes the JSON document it prints into out
// (unless out is nil).
func runNode(t *testing.T, dir, script string, timeout time.Duration, env map[string]string, out any) {
	t.Helper()
	stdout := runCmd(t, dir, timeout, env, nil, "node", script)
	if out == nil {
		return
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout), out); err != nil {
		t.Fatalf("node %s: decoding its output: %v\nstdout:\n%s", script, err, stdout)
	}
}

// runCmd runs name with args in dir, bounded by timeout, with env added to
// base (os.Environ() when base is nil), and returns its standard output.
// It fails t if the command fails. The command runs in its own process
// group, which is killed when it returns, so that a browser it started
// cannot outlive the test.
func runCmd(t *testing.T, dir string, timeout time.Duration, env map[string]string, base []string, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = base
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	ownGroup(cmd)
	start := time.Now()
	err := cmd.Run()
	killGroup(cmd)
	what := strings.TrimSpace(name + " " + strings.Join(args, " "))
	if len(what) > 60 {
		what = what[:60] + "..."
	}
	t.Logf("%s: %v", what, time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("%s: %v (timeout %v)\nstdout:\n%s\nstderr:\n%s", what, err, timeout, stdout.String(), stderr.String())
	}
	if testing.Verbose() && stderr.Len() > 0 {
		t.Logf("%s stderr:\n%s", what, stderr.String())
	}
	return stdout.Bytes()
}
