package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
)

// docsPath is the page whose snippets TestClientDocsSnippets runs.
const docsPath = "../../docs/clients.md"

// The user the snippets sign in, as the page writes it.
const (
	docsUser     = "jane@example.com"
	docsPassword = "Passw0rd!example"
)

// snippetRE matches a fenced block whose info string carries snippet=NAME.
var snippetRE = regexp.MustCompile("(?ms)^```[a-z]* snippet=([a-z0-9-]+)\n(.*?)\n```$")

// docSnippets returns the marked snippets of docs/clients.md by name.
func docSnippets(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range snippetRE.FindAllStringSubmatch(string(b), -1) {
		if _, dup := out[m[1]]; dup {
			t.Fatalf("%s: snippet %s appears twice", docsPath, m[1])
		}
		out[m[1]] = m[2]
	}
	return out
}

// docsGoSDK is the go-sdk snippet of docs/clients.md, verbatim; the test
// checks that the page still says exactly this.
//
// docs:go-sdk begin

// newCognitoClient returns a Cognito user pools client that calls poolguard
// at endpoint, e.g. "https://auth-proxy.example.com". Public operations
// (InitiateAuth, SignUp, ...) need no AWS credentials.
func newCognitoClient(endpoint string) *cognitoidentityprovider.Client {
	return cognitoidentityprovider.New(cognitoidentityprovider.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
	})
}

// docs:go-sdk end

// TestClientDocsSnippets runs every snippet of docs/clients.md marked
// snippet=NAME against the proxy (in front of moto behind the strict hop),
// with the page's placeholders replaced by the test's endpoint and ids, and
// checks that each signed the user in through the proxy.
func TestClientDocsSnippets(t *testing.T) {
	snippets := docSnippets(t)
	for _, name := range []string{"amplify-v6", "identity-js", "go-sdk", "boto3", "aws-cli", "aws-cli-env", "aws-config"} {
		if snippets[name] == "" {
			t.Fatalf("%s has no snippet=%s", docsPath, name)
		}
	}
	s := startStack(t)
	cognitotest.CreateConfirmedUser(t, s.moto.Client(), s.pool.ID, docsUser, docsPassword, map[string]string{"email": docsUser})
	fill := strings.NewReplacer(
		"https://auth-proxy.example.com", s.proxy.URL,
		"us-east-1_EXAMPLE", s.pool.ID,
		"1example23456789", s.app.ID,
	).Replace
	// signedIn checks that run added one accepted InitiateAuth at the hop.
	signedIn := func(t *testing.T, run func()) {
		t.Helper()
		before, _ := s.hopCount("InitiateAuth")
		run()
		if after, refused := s.hopCount("InitiateAuth"); after != before+1 || refused != 0 {
			t.Errorf("hop accepted %d InitiateAuth (refused %d); want one more than %d", after, refused, before)
		}
	}
	wantOutput := func(t *testing.T, out []byte, want string) {
		t.Helper()
		if !strings.Contains(string(out), want) {
			t.Errorf("output %q does not contain %q", out, want)
		}
	}

	t.Run("go-sdk", func(t *testing.T) {
		src, err := os.ReadFile("clients_test.go")
		if err != nil {
			t.Fatal(err)
		}
		_, rest, _ := strings.Cut(string(src), "// docs:go-sdk begin\n")
		mine, _, _ := strings.Cut(rest, "// docs:go-sdk end")
		if strings.TrimSpace(mine) != strings.TrimSpace(snippets["go-sdk"]) {
			t.Fatalf("the go-sdk snippet of %s differs from newCognitoClient in clients_test.go:\npage:\n%s\ntest:\n%s", docsPath, snippets["go-sdk"], mine)
		}
		signedIn(t, func() {
			out, err := newCognitoClient(s.proxy.URL).InitiateAuth(context.Background(), &cognitoidentityprovider.InitiateAuthInput{
				ClientId: aws.String(s.app.ID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
				AuthParameters: map[string]string{"USERNAME": docsUser, "PASSWORD": docsPassword},
			})
			if err != nil {
				t.Fatalf("InitiateAuth through newCognitoClient: %v", err)
			}
			if out.AuthenticationResult == nil || aws.ToString(out.AuthenticationResult.AccessToken) == "" {
				t.Fatalf("InitiateAuth: no tokens: %+v", out)
			}
		})
	})

	t.Run("node", func(t *testing.T) {
		dir := nodeProject(t, "aws-amplify", "amazon-cognito-identity-js")
		for _, name := range []string{"amplify-v6", "identity-js"} {
			t.Run(name, func(t *testing.T) {
				file := writeSnippet(t, filepath.Join(dir, "dist"), name+".mjs", fill(snippets[name]))
				signedIn(t, func() {
					wantOutput(t, runCmd(t, dir, time.Minute, nil, nil, "node", file), "signed in: "+map[string]string{
						"amplify-v6": "true " + docsUser, "identity-js": docsUser}[name])
				})
			})
		}
	})

	// The Python and CLI snippets run without any AWS credentials or
	// configuration: public operations are unsigned.
	home := t.TempDir()
	env := noAWSEnv(home)

	t.Run("boto3", func(t *testing.T) {
		_, err := exec.LookPath("python3")
		haveBoto := err == nil && exec.Command("python3", "-c", "import boto3").Run() == nil
		if !haveBoto {
			if os.Getenv(cognitotest.RequireMotoEnv) == "1" {
				t.Fatalf("%s is 1 but python3 with boto3 is missing", cognitotest.RequireMotoEnv)
			}
			t.Skip("python3 with boto3 not found: skipping")
		}
		file := writeSnippet(t, t.TempDir(), "boto3.py", fill(snippets["boto3"]))
		signedIn(t, func() { wantOutput(t, runCmd(t, home, time.Minute, nil, env, "python3", file), "signed in: Bearer") })
	})

	t.Run("aws-cli", func(t *testing.T) {
		if _, err := exec.LookPath("aws"); err != nil {
			if os.Getenv("POOLGUARD_REQUIRE_MOTO") == "1" {
				t.Fatal("the AWS CLI (aws) is not installed (POOLGUARD_REQUIRE_MOTO=1; scripts/setup.sh installs it)")
			}
			t.Skip("the AWS CLI (aws) is not installed: skipping")
		}
		for _, name := range []string{"aws-cli", "aws-cli-env"} {
			t.Run(name, func(t *testing.T) {
				signedIn(t, func() {
					wantOutput(t, runCmd(t, home, time.Minute, nil, env, "bash", "-euc", fill(snippets[name])), "Bearer")
				})
			})
		}
		t.Run("aws-config", func(t *testing.T) {
			cfg := writeSnippet(t, t.TempDir(), "config", fill(snippets["aws-config"]))
			withConfig := append(append([]string(nil), env...), "AWS_CONFIG_FILE="+cfg)
			signedIn(t, func() {
				wantOutput(t, runCmd(t, home, time.Minute, nil, withConfig, "aws", "cognito-idp", "initiate-auth",
					"--client-id", s.app.ID, "--auth-flow", "USER_PASSWORD_AUTH",
					"--auth-parameters", "USERNAME="+docsUser+",PASSWORD="+docsPassword,
					"--query", "AuthenticationResult.TokenType", "--output", "text"), "Bearer")
			})
		})
	})
}

// writeSnippet writes content to a uniquely named file in dir (created if
// needed), removed when the test ends, and returns its path.
func writeSnippet(t *testing.T, dir, name, content string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var r [6]byte
	_, _ = rand.Read(r[:])
	path := filepath.Join(dir, "snippet-"+hex.EncodeToString(r[:])+"-"+name)
	proxytest.WriteFile(t, path, content+"\n")
	t.Cleanup(func() { _ = os.Remove(path) })
	return path
}

// noAWSEnv returns the environment without any AWS_ variable, with HOME set
// to home and the shared config and credentials files pointing nowhere.
func noAWSEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+home,
		"AWS_CONFIG_FILE="+filepath.Join(home, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "no-credentials"),
		"AWS_EC2_METADATA_DISABLED=true")
}
