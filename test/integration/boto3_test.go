package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// boto3Script is the Python program that drives boto3 (see its docstring).
const boto3Script = "testdata/boto3_flows.py"

// boto3Timeout bounds one run of the script.
const boto3Timeout = 2 * time.Minute

// boto3Step is one call the script made and how it ended.
type boto3Step struct {
	App       string `json:"app"`
	Step      string `json:"step"`
	OK        bool   `json:"ok"`
	Code      string `json:"code"`
	Status    int    `json:"status"`
	Message   string `json:"message"`
	Challenge string `json:"challenge"`
	Tokens    bool   `json:"tokens"`
}

// requireBoto3 returns the path of a python3 that can import boto3, or
// skips the test (fails it when POOLGUARD_REQUIRE_MOTO is 1).
func requireBoto3(t *testing.T) string {
	t.Helper()
	missing := func(msg string) string {
		if os.Getenv(cognitotest.RequireMotoEnv) == "1" {
			t.Fatalf("%s is 1 but %s", cognitotest.RequireMotoEnv, msg)
		}
		t.Skip(msg + ": skipping the boto3 test (pip install boto3)")
		return ""
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		return missing("python3 is not on PATH")
	}
	if out, err := exec.Command(py, "-c", "import boto3").CombinedOutput(); err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return missing(py + " cannot import boto3 (" + lines[len(lines)-1] + ")")
	}
	return py
}

// runBoto3 runs the script with job on stdin and returns its steps. The
// script's environment has no AWS_* variables and points the AWS config
// files at nothing, so only the job decides where boto3 sends.
func runBoto3(t *testing.T, py string, job any) []boto3Step {
	t.Helper()
	in, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), boto3Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, boto3Script)
	none := filepath.Join(t.TempDir(), "none")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "AWS_CONFIG_FILE="+none, "AWS_SHARED_CREDENTIALS_FILE="+none, "AWS_EC2_METADATA_DISABLED=true")
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstderr:\n%s", boto3Script, err, stderr.String())
	}
	var out struct{ Steps []boto3Step }
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("%s printed no JSON: %v\nstdout:\n%s\nstderr:\n%s", boto3Script, err, stdout.String(), stderr.String())
	}
	return out.Steps
}

// boto3Want is the expected outcome of one step: success (with tokens or a
// challenge), or the error code and HTTP status the SDK surfaced.
type boto3Want struct {
	step      string
	tokens    bool
	challenge string
	code      string
	status    int
}

// checkBoto3Steps checks the steps of app against want, in order.
func checkBoto3Steps(t *testing.T, steps []boto3Step, app string, want ...boto3Want) {
	t.Helper()
	var got []boto3Step
	for _, s := range steps {
		if s.App == app {
			got = append(got, s)
		}
	}
	for i, w := range want {
		if i >= len(got) {
			t.Errorf("%s: step %s and later never ran (%d steps ran: %+v)", app, w.step, len(got), got)
			return
		}
		s := got[i]
		switch {
		case s.Step != w.step:
			t.Errorf("%s: step %d is %s, want %s", app, i, s.Step, w.step)
		case w.code == "" && !s.OK:
			t.Errorf("%s: %s failed: %s (HTTP %d) %s", app, s.Step, s.Code, s.Status, s.Message)
		case w.code != "" && (s.OK || s.Code != w.code || s.Status != w.status):
			t.Errorf("%s: %s: ok=%v code %q HTTP %d, want %s HTTP %d", app, s.Step, s.OK, s.Code, s.Status, w.code, w.status)
		case s.Tokens != w.tokens || s.Challenge != w.challenge:
			t.Errorf("%s: %s answered tokens=%v challenge=%q, want tokens=%v challenge=%q", app, s.Step, s.Tokens, s.Challenge, w.tokens, w.challenge)
		}
	}
	if len(got) > len(want) {
		t.Errorf("%s: %d unexpected extra steps: %+v", app, len(got)-len(want), got[len(want):])
	}
}

// callsFor returns the hop's requests whose body names clientID.
func callsFor(reqs []cognitotest.Request, clientID string) []cognitotest.Request {
	var out []cognitotest.Request
	for _, r := range reqs {
		var body struct{ ClientId string }
		if json.Unmarshal(r.Body, &body) == nil && body.ClientId == clientID {
			out = append(out, r)
		}
	}
	return out
}

// TestBoto3FlowsThroughProxy runs the flows with boto3 (endpoint_url
// = the proxy, no secret in the app) for a get_tokens client and a
// remember client in an email-username pool, and checks on the StrictHop
// that every call was accepted and carried the right hash.
func TestBoto3FlowsThroughProxy(t *testing.T) {
	py := requireBoto3(t)
	e := startCognito(t)
	apps := []testApp{
		e.newApp(t, appSpec{name: "boto3-gettokens"}),
		e.newApp(t, appSpec{name: "boto3-remember", emailUsernames: true, refresh: "remember", propagateIP: true}),
	}
	cfg := proxyConfig{Upstream: e.hop.URL}
	var jobApps []map[string]string
	for _, a := range apps {
		cfg.Clients = append(cfg.Clients, a.clientConfig())
		invited := signInName(a, "frank")
		attrs := map[string]string{}
		if a.pool.EmailUsernames {
			attrs["email"] = invited
		}
		cognitotest.AdminCreateUser(t, e.admin, a.pool.ID, invited, tempPassword, attrs)
		jobApps = append(jobApps, map[string]string{
			"name": a.name, "client_id": a.client.ID,
			"username": signInName(a, "grace"), "email": "grace-" + a.name + "@example.com", "invited": invited,
			"password": firstPassword, "new_password": newPassword, "temp_password": tempPassword,
		})
	}
	p := startProxy(t, cfg, firstPassword, newPassword, tempPassword)

	steps := runBoto3(t, py, map[string]any{
		"mode": "flows", "endpoint": p.URL, "admin_pool_id": apps[0].pool.ID, "apps": jobApps,
	})
	for i, a := range apps {
		checkBoto3Steps(t, steps, a.name,
			boto3Want{step: "SignUp"},
			boto3Want{step: "ConfirmSignUp"},
			boto3Want{step: "SignIn", tokens: true},
			boto3Want{step: "Refresh", tokens: true},
			boto3Want{step: "ForgotPassword"},
			boto3Want{step: "ConfirmForgotPassword"},
			boto3Want{step: "SignInNewPassword", tokens: true},
			boto3Want{step: "SignInTemporaryPassword", challenge: "NEW_PASSWORD_REQUIRED"},
			boto3Want{step: "RespondNewPasswordRequired", tokens: true},
			boto3Want{step: "RefreshAfterChallenge", tokens: true},
			boto3Want{step: "SignInAfterChallenge", tokens: true},
		)
		if t.Failed() {
			continue
		}
		user, invited := jobApps[i]["username"], jobApps[i]["invited"]
		checkHopCalls(t, a, callsFor(e.hop.Requests(), a.client.ID),
			hopCall{"SignUp", user},
			hopCall{"ConfirmSignUp", user},
			hopCall{"InitiateAuth", user},
			refreshCall(a, e.internalUsername(t, a, user)),
			hopCall{"ForgotPassword", user},
			hopCall{"ConfirmForgotPassword", user},
			hopCall{"InitiateAuth", user},
			hopCall{"InitiateAuth", invited},
			hopCall{"RespondToAuthChallenge", invited},
			refreshCall(a, e.internalUsername(t, a, invited)),
			hopCall{"InitiateAuth", invited},
		)
	}
	checkBoto3Steps(t, steps, "admin", boto3Want{step: "AdminCreateUser", code: "ForbiddenException", status: http.StatusForbidden})
	if e.userExists(t, apps[0], "boto3-admin-made") {
		t.Error("the refused AdminCreateUser created the user")
	}
}

// TestBoto3Errors checks the error codes boto3 surfaces for the errors the
// proxy produces itself: a refused IAM operation, a body over the limit, an
// unreachable upstream and an upstream timeout.
func TestBoto3Errors(t *testing.T) {
	py := requireBoto3(t)
	ep := startErrorProxies(t)
	steps := runBoto3(t, py, map[string]any{
		"mode": "errors", "endpoint": ep.main.URL, "unreachable": ep.unreachable.URL, "slow": ep.slow.URL,
		"client_id": errClientID, "pool_id": errPoolID, "password": firstPassword, "pad": overLimit,
	})
	checkBoto3Steps(t, steps, "errors",
		boto3Want{step: "SignUp"},
		boto3Want{step: "AdminCreateUser", code: "ForbiddenException", status: http.StatusForbidden},
		boto3Want{step: "ListUsers", code: "ForbiddenException", status: http.StatusForbidden},
		boto3Want{step: "BodyOverLimit", code: "RequestEntityTooLargeException", status: http.StatusRequestEntityTooLarge},
		boto3Want{step: "Unreachable", code: "InternalErrorException", status: http.StatusBadGateway},
		boto3Want{step: "Timeout", code: "InternalErrorException", status: http.StatusGatewayTimeout},
	)
	if n := ep.reached.Load(); n != 1 {
		t.Errorf("%d requests reached the stub upstream, want 1 (the baseline SignUp)", n)
	}
}
