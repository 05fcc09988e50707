package integration

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
)

// existenceEnv is a pool with one confirmed user, "jane", two app clients
// with prevent_user_existence_errors (one in admin mode), moto behind the
// strict hop, and the proxy served on its real listener.
type existenceEnv struct {
	proxy       *proxytest.Running
	app, admApp string
}

func startExistence(t *testing.T) existenceEnv {
	t.Helper()
	e := startCognito(t)
	a := e.newApp(t, appSpec{name: "existence"})
	adm := cognitotest.CreateAppClient(t, e.admin, a.pool.ID, cognitotest.ClientOptions{Name: "existence-admin"})
	cognitotest.CreateConfirmedUser(t, e.admin, a.pool.ID, "jane", "Passw0rd!x", map[string]string{"email": "jane@example.com"})
	// Admin mode signs its calls: dummy keys, and nothing else to find.
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXISTENCE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "existence-signing-key")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte(a.secret), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := proxytest.Load(t, dir, fmt.Sprintf(`listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream: {region: us-east-1, endpoint: %s}
clients:
  - client_id: %s
    user_pool_id: %s
    client_secret: file:%s
    prevent_user_existence_errors: true
  - client_id: %s
    user_pool_id: %s
    auth_mode: admin
    prevent_user_existence_errors: true
`, e.hop.URL, a.client.ID, a.pool.ID, secret, adm.ID, a.pool.ID))
	return existenceEnv{proxy: proxytest.Run(t, cfg, proxytest.RunOptions{}), app: a.client.ID, admApp: adm.ID}
}

// rawWireCall sends one Cognito call to the proxy over a fresh TCP connection
// and returns the whole answer as it came off the wire, status line,
// headers and body.
func rawWireCall(t *testing.T, base, op, body string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "POST / HTTP/1.1\r\nHost: " + u.Host + "\r\nContent-Type: application/x-amz-json-1.1\r\n" +
		"X-Amz-Target: AWSCognitoIdentityProviderService." + op + "\r\nAccept-Encoding: gzip\r\n" +
		fmt.Sprintf("Content-Length: %d\r\nConnection: close\r\n\r\n", len(body)) + body
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(bufio.NewReader(conn))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

var (
	requestIDRe = regexp.MustCompile(`(?im)^(x-amzn-requestid: ).*$`)
	dateRe      = regexp.MustCompile(`(?m)^(Date: ).*$`)
)

// normalized blanks the request id, and the Date header, which the server
// stamps to the second, in a raw answer.
func normalized(raw string) string {
	return dateRe.ReplaceAllString(requestIDRe.ReplaceAllString(raw, "${1}ID"), "${1}DATE")
}

// TestHiddenExistenceAnswersAreIdentical is the regression test of the
// leak: with prevent_user_existence_errors, the answer about a user that
// exists (relayed from Cognito) and the one the proxy makes up for a user
// that does not must be byte-identical apart from the request id (and
// Date). Before the fix, the relayed NotAuthorizedException kept moto's
// Content-Type, Server header, x-amzn-ErrorType form and body spacing.
func TestHiddenExistenceAnswersAreIdentical(t *testing.T) {
	e := startExistence(t)
	signIn := func(client, flow, user, param string) string {
		return fmt.Sprintf(`{"ClientId":%q,"AuthFlow":%q,"AuthParameters":{"USERNAME":%q,%s}}`, client, flow, user, param)
	}
	wrongPassword := normalized(rawWireCall(t, e.proxy.URL, "InitiateAuth", signIn(e.app, "USER_PASSWORD_AUTH", "jane", `"PASSWORD":"wr0ng!Pass"`)))
	if !strings.HasPrefix(wrongPassword, "HTTP/1.1 400 ") || !strings.Contains(wrongPassword, "NotAuthorizedException") {
		t.Fatalf("wrong password for jane:\n%s", wrongPassword)
	}
	cases := []struct {
		name     string
		op, body string
		want     string // the normalized answer about the existing user
	}{
		{"USER_PASSWORD_AUTH", "InitiateAuth", signIn(e.app, "USER_PASSWORD_AUTH", "nobody", `"PASSWORD":"wr0ng!Pass"`), wrongPassword},
		// An existing user gets an SRP challenge (see docs/threat-model.md);
		// the unknown one must get the very answer of a wrong password.
		{"USER_SRP_AUTH", "InitiateAuth", signIn(e.app, "USER_SRP_AUTH", "nobody", `"SRP_A":"`+strings.Repeat("ab", 128)+`"`), wrongPassword},
		{"admin mode, unknown user", "InitiateAuth", signIn(e.admApp, "USER_PASSWORD_AUTH", "nobody", `"PASSWORD":"wr0ng!Pass"`),
			normalized(rawWireCall(t, e.proxy.URL, "InitiateAuth", signIn(e.admApp, "USER_PASSWORD_AUTH", "jane", `"PASSWORD":"wr0ng!Pass"`)))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := normalized(rawWireCall(t, e.proxy.URL, c.op, c.body)); got != c.want {
				t.Fatalf("unknown user's answer:\n%s\nexisting user's answer:\n%s", got, c.want)
			}
		})
	}
}

// TestHiddenExistenceDeliveriesAreIdentical checks the flows whose answer
// for an unknown user is a made-up code delivery: the answers for jane and
// for nobody share every byte but the request id, the Date and the masked
// destination (and so the length). Before the fix, jane's ForgotPassword answer carried moto's
// headers (among them the code itself, x-moto-forgot-password-confirmation-code).
func TestHiddenExistenceDeliveriesAreIdentical(t *testing.T) {
	e := startExistence(t)
	// moto makes up its own destination for an unknown user
	// ("nobody@h***.com"), of another length than jane's mask.
	dest := regexp.MustCompile(`"Destination":"[^"]*"`)
	length := regexp.MustCompile(`(?m)^(Content-Length: )\d+`)
	for _, op := range []string{"ForgotPassword", "ResendConfirmationCode"} {
		t.Run(op, func(t *testing.T) {
			answer := func(user string) string {
				raw := rawWireCall(t, e.proxy.URL, op, fmt.Sprintf(`{"ClientId":%q,"Username":%q}`, e.app, user))
				return length.ReplaceAllString(dest.ReplaceAllString(normalized(raw), `"Destination":"DEST"`), "${1}N")
			}
			jane, nobody := answer("jane"), answer("nobody")
			if !strings.HasPrefix(jane, "HTTP/1.1 200 ") || jane != nobody {
				t.Fatalf("nobody's answer:\n%s\njane's answer:\n%s", nobody, jane)
			}
		})
	}
}

// TestHiddenExistenceCodeErrorsShareOneForm checks the confirmation
// flows. moto cannot produce the same error for both users here (for
// ConfirmForgotPassword it answers an unknown user ResourceNotFound, and
// ConfirmSignUp accepts any code), so the test holds the answers to one
// form: with the error type and message blanked, the made-up
// CodeMismatchException for an unknown user and the relayed error for jane
// are byte-identical.
func TestHiddenExistenceCodeErrorsShareOneForm(t *testing.T) {
	e := startExistence(t)
	typ := regexp.MustCompile(`(?m)("__type":"|^X-Amzn-Errortype: )[A-Za-z]+`)
	msg := regexp.MustCompile(`"message":"[^"]*"`)
	length := regexp.MustCompile(`(?m)^(Content-Length: )\d+`)
	form := func(raw string) string {
		s := msg.ReplaceAllString(typ.ReplaceAllString(normalized(raw), "${1}TYPE"), `"message":"MSG"`)
		return length.ReplaceAllString(s, "${1}N")
	}
	confirm := func(op, user string) string {
		return rawWireCall(t, e.proxy.URL, op, fmt.Sprintf(`{"ClientId":%q,"Username":%q,"ConfirmationCode":"moto-confirmation-code:1","Password":"N3w!Passw0rd"}`, e.app, user))
	}
	jane := confirm("ConfirmForgotPassword", "jane") // ExpiredCodeException from moto
	if !strings.HasPrefix(jane, "HTTP/1.1 400 ") {
		t.Fatalf("jane's ConfirmForgotPassword:\n%s", jane)
	}
	nobody := confirm("ConfirmSignUp", "nobody") // made up by the proxy
	if !strings.Contains(nobody, `"__type":"CodeMismatchException"`) {
		t.Fatalf("nobody's ConfirmSignUp:\n%s", nobody)
	}
	if form(jane) != form(nobody) {
		t.Fatalf("nobody's answer:\n%s\njane's answer:\n%s", nobody, jane)
	}
}
