package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// identityJSSteps is the full flow of e2e/identity-js.mjs.
var identityJSSteps = []string{
	"signUp", "confirmSignUp", "signIn", "getUserAttributes", "refreshSession",
	"forgotPassword", "confirmPassword", "signInNewPassword", "signOut",
}

// TestIdentityJSThroughProxy runs amazon-cognito-identity-js in Node, its
// endpoint set to the proxy, through sign-up, confirmation, SRP sign-in,
// attributes, session refresh and password reset. The app client has no
// secret in moto; the hop refuses any call without the right SECRET_HASH,
// so the flow passes only if the proxy added it, including over the SRP
// PASSWORD_VERIFIER answer's USERNAME (USER_ID_FOR_SRP, the user's sub).
// The same script pointed straight at the hop must fail.
func TestIdentityJSThroughProxy(t *testing.T) {
	dir := nodeProject(t, "amazon-cognito-identity-js")
	s := startStack(t)
	existing := "existing-idjs@example.com"
	cognitotest.CreateConfirmedUser(t, s.moto.Client(), s.pool.ID, existing, password, map[string]string{"email": existing})
	env := func(endpoint, email string) map[string]string {
		return map[string]string{
			"COGNITO_ENDPOINT": endpoint + "/", "USER_POOL_ID": s.pool.ID, "CLIENT_ID": s.app.ID,
			"USER_EMAIL": email, "PASSWORD": password, "NEW_PASSWORD": newPassword, "EXISTING_EMAIL": existing,
		}
	}

	t.Run("through the proxy", func(t *testing.T) {
		var res scriptResult
		runNode(t, dir, "identity-js.mjs", time.Minute, env(s.proxy.URL, "idjs@example.com"), &res)
		t.Logf("steps:%s", res.summary())
		res.requireAllOK(t, identityJSSteps...)

		var signIn struct{ Flow, Username, Sub string }
		res.step(t, "signIn").detail(t, &signIn)
		if signIn.Flow != "USER_SRP_AUTH" || signIn.Username != signIn.Sub || signIn.Sub == "" {
			t.Errorf("signIn detail = %+v; want USER_SRP_AUTH and cognito:username = sub", signIn)
		}
		var attrs map[string]string
		res.step(t, "getUserAttributes").detail(t, &attrs)
		if attrs["email"] != "idjs@example.com" || attrs["sub"] != signIn.Sub {
			t.Errorf("getUserAttributes = %v", attrs)
		}
		checkPasswordVerifier(t, s, signIn.Sub)
		for _, op := range []string{"SignUp", "ConfirmSignUp", "InitiateAuth", "RespondToAuthChallenge",
			"GetUser", "GetTokensFromRefreshToken", "ForgotPassword", "ConfirmForgotPassword"} {
			if ok, refused := s.hopCount(op); ok == 0 || refused != 0 {
				t.Errorf("hop saw %s accepted %d times, refused %d times; want >0 and 0", op, ok, refused)
			}
		}
	})

	t.Run("straight at the strict upstream", func(t *testing.T) {
		e := env(s.hop.URL, "idjs-direct@example.com")
		e["E2E_STEPS"], e["E2E_KEEP_GOING"] = "signUp,signInExisting", "1"
		var res scriptResult
		runNode(t, dir, "identity-js.mjs", time.Minute, e, &res)
		t.Logf("steps:%s", res.summary())
		for _, name := range []string{"signUp", "signInExisting"} {
			st := res.step(t, name)
			if st.OK || st.Error == nil || st.Error.Code != "NotAuthorizedException" {
				t.Errorf("%s straight at the hop: ok=%v error=%+v; want NotAuthorizedException", name, st.OK, st.Error)
			}
		}
	})
}

// checkPasswordVerifier checks that the hop received a PASSWORD_VERIFIER
// answer whose USERNAME is sub (USER_ID_FOR_SRP) with the secret hash
// computed over it.
func checkPasswordVerifier(t *testing.T, s *stack, sub string) {
	t.Helper()
	want := cognitotest.SecretHash(appSecret, sub, s.app.ID)
	for _, r := range s.hop.Requests() {
		if r.Operation != "RespondToAuthChallenge" {
			continue
		}
		var body struct {
			ChallengeName      string
			ChallengeResponses map[string]string
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("hop request body: %v", err)
		}
		if body.ChallengeName != "PASSWORD_VERIFIER" {
			continue
		}
		if u := body.ChallengeResponses["USERNAME"]; u == sub && body.ChallengeResponses["SECRET_HASH"] == want && r.Refused == "" {
			return
		}
	}
	t.Errorf("the hop accepted no PASSWORD_VERIFIER answer with USERNAME %s and its secret hash", sub)
}
