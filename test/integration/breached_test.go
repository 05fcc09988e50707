package integration

import (
	"context"
	"crypto/sha1"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/poolguard/poolguard/internal/rules/breached"
	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// Passwords of the breached-password tests: the first two are in the
// filter, the others are not.
const (
	breachedPw  = "Summer2024!"
	breachedPw2 = "P@ssw0rd123"
	cleanPw     = "7f3a-Unbreached-phrase-9c1e"
	cleanPw2    = "5b2d-Another-clean-one-4086"
)

// breachedFilter builds a filter holding breachedPw, breachedPw2 and 20,000
// other hashes, and returns its path.
func breachedFilter(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	for _, pw := range []string{breachedPw, breachedPw2} {
		fmt.Fprintf(&b, "%X:42\n", sha1.Sum([]byte(pw)))
	}
	for i := range 20000 {
		fmt.Fprintf(&b, "%X:%d\n", sha1.Sum([]byte(fmt.Sprintf("corpus-%d", i))), 1+i%9)
	}
	src := filepath.Join(dir, "corpus.txt")
	if err := os.WriteFile(src, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "pwned.filter")
	if _, err := breached.Build(out, []string{src}, 1); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBreachedPasswords: through the proxy (with the SDK, against moto
// behind the strict hop), a breached password is refused with
// InvalidPasswordException at SignUp, ConfirmForgotPassword,
// ChangePassword and NEW_PASSWORD_REQUIRED, and a USER_PASSWORD_AUTH
// sign-in with one is challenged by the credential-stuffing preset; clean
// passwords pass each step. No password reaches the proxy's log.
func TestBreachedPasswords(t *testing.T) {
	ctx := context.Background()
	e := startCognito(t)
	a := e.newApp(t, appSpec{name: "breached"})
	p := startProxy(t, proxyConfig{
		Upstream: e.hop.URL,
		Clients:  []clientConfig{a.clientConfig()},
		Extra: "breached_passwords: {filter: " + breachedFilter(t) + ", min_count: 1}\n" +
			"waf:\n  name: pw\n  presets:\n    - {name: cognito-credential-stuffing}\n",
	}, breachedPw, breachedPw2, cleanPw, cleanPw2)
	app := cognitotest.NewClient(p.URL)
	id := aws.String(a.client.ID)
	refused := func(what string, err error) {
		t.Helper()
		wantAPIError(t, what, err, "InvalidPasswordException", 400)
		if !strings.Contains(err.Error(), "data breach") {
			t.Errorf("%s: message %v", what, err)
		}
	}

	// SignUp.
	_, err := app.SignUp(ctx, &cip.SignUpInput{ClientId: id, Username: aws.String("dave"), Password: aws.String(breachedPw)})
	refused("SignUp with a breached password", err)
	if e.userExists(t, a, "dave") {
		t.Fatal("the refused sign-up created the user")
	}
	if _, err := app.SignUp(ctx, &cip.SignUpInput{ClientId: id, Username: aws.String("dave"), Password: aws.String(cleanPw)}); err != nil {
		t.Fatalf("SignUp with a clean password: %v", err)
	}

	// ConfirmForgotPassword.
	cognitotest.CreateConfirmedUser(t, e.admin, a.pool.ID, "erin", cleanPw, nil)
	reset := func(pw string) error {
		_, err := app.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: id, Username: aws.String("erin"), ConfirmationCode: aws.String("123456"), Password: aws.String(pw)})
		return err
	}
	refused("ConfirmForgotPassword with a breached password", reset(breachedPw2))
	if err := reset(cleanPw2); err != nil {
		t.Fatalf("ConfirmForgotPassword with a clean password: %v", err)
	}

	// ChangePassword, signed in with the clean password.
	tokens, err := passwordSignIn(ctx, app, a, "erin", cleanPw2)
	if err != nil {
		t.Fatalf("sign-in with a clean password: %v", err)
	}
	change := func(pw string) error {
		_, err := app.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: tokens.AccessToken, PreviousPassword: aws.String(cleanPw2), ProposedPassword: aws.String(pw)})
		return err
	}
	refused("ChangePassword to a breached password", change(breachedPw))

	// NEW_PASSWORD_REQUIRED.
	cognitotest.AdminCreateUser(t, e.admin, a.pool.ID, "frank", "Temp-Passw0rd-1!", nil)
	challenge, err := app.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: id, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "frank", "PASSWORD": "Temp-Passw0rd-1!"}})
	if err != nil || challenge.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("sign-in with the temporary password: %v %+v", err, challenge)
	}
	answer := func(pw string) error {
		_, err := app.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: id, ChallengeName: challenge.ChallengeName, Session: challenge.Session,
			ChallengeResponses: map[string]string{"USERNAME": "frank", "NEW_PASSWORD": pw}})
		return err
	}
	refused("NEW_PASSWORD_REQUIRED with a breached password", answer(breachedPw))
	if err := answer(cleanPw); err != nil {
		t.Fatalf("NEW_PASSWORD_REQUIRED with a clean password: %v", err)
	}

	// A sign-in with a breached password (set around the proxy) is
	// labelled and challenged; a clean one is not.
	cognitotest.CreateConfirmedUser(t, e.admin, a.pool.ID, "gina", breachedPw, nil)
	// AWS WAF's Challenge answers 202, which SDKs read as a success
	// without tokens; look at the raw answer.
	body := `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"` + a.client.ID + `","AuthParameters":{"USERNAME":"gina","PASSWORD":"` + breachedPw + `"}}`
	req, _ := http.NewRequest("POST", p.URL+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 || resp.Header.Get("x-amzn-waf-action") != "challenge" {
		t.Fatalf("sign-in with a breached password: %d %q, want a 202 challenge", resp.StatusCode, resp.Header.Get("x-amzn-waf-action"))
	}
	if tokens, err := passwordSignIn(ctx, app, a, "gina", breachedPw); err == nil || tokens != nil {
		t.Fatalf("the SDK got tokens for a challenged sign-in: %v", err)
	}
	if _, err := passwordSignIn(ctx, app, a, "erin", cleanPw2); err != nil {
		t.Fatalf("sign-in with a clean password: %v", err)
	}
}
