package local

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// need skips the test when a tool the sandbox needs is missing, or fails
// it when CI says the tools are there.
func need(t *testing.T) {
	t.Helper()
	var missing []string
	for _, c := range []string{"go", "python3", "moto_server"} {
		if _, err := exec.LookPath(c); err != nil {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
			missing = append(missing, "boto3")
		}
	}
	if len(missing) > 0 {
		if os.Getenv(cognitotest.RequireMotoEnv) == "1" {
			t.Fatalf("%v missing and %s=1", missing, cognitotest.RequireMotoEnv)
		}
		t.Skipf("%v missing (scripts/setup.sh installs them)", missing)
	}
}

var (
	pidLine   = regexp.MustCompile(`^sandbox: (moto_server|poolguard) pid (\d+)`)
	stopLine  = regexp.MustCompile(`^sandbox: stopped \(poolguard pid (\d+), moto_server pid (\d+)\)$`)
	demoLines = []string{
		"sign-up: ",
		"sign-in: tokens received",
		"refresh straight to the pool, no secret: refused (NotAuthorizedException)",
		"refresh through poolguard: accepted (poolguard added SECRET_HASH)",
		"attack: password guess ",
	}
)

// The sandbox a newcomer runs: it starts moto_server and poolguard, the demo
// signs up and signs in with boto3 through poolguard without the client
// secret, shows moto refusing the same refresh without it, and sees a
// password-guessing run blocked; on Ctrl-C (SIGINT) it stops both processes
// by PID.
func TestSandbox(t *testing.T) {
	need(t)
	cmd := exec.Command("./sandbox.sh")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	var out []string
	pids := map[string]int{}
	for lines.Scan() {
		l := lines.Text()
		out = append(out, l)
		if m := pidLine.FindStringSubmatch(l); m != nil {
			pids[m[1]], _ = strconv.Atoi(m[2])
		}
		if strings.HasPrefix(l, "sandbox: running") {
			break
		}
	}
	text := strings.Join(out, "\n")
	if !strings.Contains(text, "sandbox: running") {
		t.Fatalf("the sandbox did not come up:\n%s", text)
	}
	for _, want := range demoLines {
		if !strings.Contains(text, "\n"+want) {
			t.Errorf("the demo did not print %q:\n%s", want, text)
		}
	}
	if !strings.Contains(text, "aws cognito-idp sign-up --no-sign-request") || !strings.Contains(text, "python3 examples/local/try.py http://127.0.0.1:") {
		t.Errorf("the commands to try are missing:\n%s", text)
	}
	if pids["poolguard"] == 0 || pids["moto_server"] == 0 {
		t.Fatalf("pids not printed: %v", pids)
	}
	for name, pid := range pids {
		if !alive(pid) {
			t.Errorf("%s (pid %d) is not running while the sandbox runs", name, pid)
		}
	}

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stdout)
	_ = cmd.Wait()
	m := stopLine.FindStringSubmatch(strings.TrimSpace(string(rest)))
	if m == nil || m[1] != strconv.Itoa(pids["poolguard"]) || m[2] != strconv.Itoa(pids["moto_server"]) {
		t.Errorf("after Ctrl-C: %q, want the stop line naming both pids %v", rest, pids)
	}
	for name, pid := range pids {
		if alive(pid) {
			t.Errorf("%s (pid %d) still runs after the sandbox stopped", name, pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// alive reports whether a process with pid exists (and is not a zombie
// waiting for its parent, which the sandbox reaps).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
