package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// The README's example config must stay valid.
func TestExampleConfigValidates(t *testing.T) {
	t.Setenv("COGNITO_CLIENT_SECRET", "example-secret-value")
	for _, file := range []string{"../../examples/poolguard.yaml", "../../deploy/compose/poolguard.yaml"} {
		code, out, errOut := runCmd(t, "validate", "--config", file)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s%s", file, code, out, errOut)
		}
		if strings.Contains(out+errOut, "example-secret-value") {
			t.Fatalf("%s: validate printed the secret", file)
		}
	}
}

func TestRulesExport(t *testing.T) {
	code, out, errOut := runCmd(t, "rules", "export", "cognito-categories", "--param", "SignInRateLimit=100")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var p struct{ Rules []json.RawMessage }
	if err := json.Unmarshal([]byte(out), &p); err != nil || len(p.Rules) == 0 {
		t.Fatalf("not a preset: %v\n%s", err, out)
	}
	if !strings.Contains(out, `"Limit": 100`) {
		t.Fatal("parameter not applied")
	}
	if code, _, errOut := runCmd(t, "rules", "export", "cognito-categories", "--param", "SignInRatelimit=1"); code != 1 || !strings.Contains(errOut, "SignInRateLimit") {
		t.Fatalf("misspelt parameter: exit %d, %s", code, errOut)
	}
}

// The rule tester shows the 101st sign-in from one IP blocked by the
// SignIn rule while another IP passes, and names the proxy's refusal of an
// operation the web ACL lets through.
func TestRulesTest(t *testing.T) {
	t.Setenv("PG_CMD_TEST_SECRET", "s")
	code, out, errOut := runCmd(t, "rules", "test", "--config", "testdata/signin.yaml", "--request", "testdata/signin-requests.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res []struct {
		Name, Action, TerminatingRuleID, ProxyError string
		NotAllowed                                  int
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 4 {
		t.Fatalf("output: %v\n%s", err, out)
	}
	if res[0].Action != "ALLOW" || res[0].NotAllowed != 0 {
		t.Errorf("first 100: %+v", res[0])
	}
	if res[1].Action != "BLOCK" || res[1].TerminatingRuleID != "RateLimitSignIn" {
		t.Errorf("101st: %+v", res[1])
	}
	if res[2].Action != "ALLOW" {
		t.Errorf("another IP: %+v", res[2])
	}
	if !strings.HasPrefix(res[3].ProxyError, "ForbiddenException") {
		t.Errorf("Admin call: %+v", res[3])
	}
}

func TestUnknownCommand(t *testing.T) {
	if code, _, errOut := runCmd(t, "serv"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// A binary built the way releases are (.goreleaser.yaml's and the
// Dockerfile's ldflags) prints the stamped version and revision and the Go
// version, under both spellings of the command.
func TestVersionStamped(t *testing.T) {
	rev, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not in a git checkout: %v", err)
	}
	const pkg = "github.com/poolguard/poolguard/internal/ops/buildinfo"
	bin := buildBinary(t, "-X "+pkg+".version=v9.8.7-test -X "+pkg+".revision="+strings.TrimSpace(string(rev)))
	want := "poolguard v9.8.7-test (revision " + strings.TrimSpace(string(rev)) + ", " + runtime.Version() + ")\n"
	for _, arg := range []string{"version", "--version"} {
		out, err := exec.Command(bin, arg).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", arg, err, out)
		}
		if string(out) != want {
			t.Errorf("%s printed %q, want %q", arg, out, want)
		}
	}
}
