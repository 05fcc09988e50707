package integration

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// Passwords used by the flows; none is ever a secret the proxy must hide,
// but the proxy must not log them either.
const (
	firstPassword = "Passw0rd!first"
	newPassword   = "Passw0rd!second"
	tempPassword  = "Temp0rary!pass1"
)

// signInName returns the name a user signs in with in a's pool: an email
// address in an email-username pool, a plain name otherwise.
func signInName(a testApp, who string) string {
	if a.pool.EmailUsernames {
		return who + "-" + a.name + "@example.com"
	}
	return who + "-" + a.name
}

// through runs call, which must succeed, and checks that it reached the hop
// as exactly the calls in want, each accepted and carrying the right secret.
func (e *cognitoEnv) through(t *testing.T, a testApp, what string, call func() error, want ...hopCall) {
	t.Helper()
	n := len(e.hop.Requests())
	if err := call(); err != nil {
		t.Fatalf("%s through the proxy: %v", what, err)
	}
	checkHopCalls(t, a, e.hop.Requests()[n:], want...)
}

// refreshCall is what the hop sees when the proxy relays a refresh for a:
// GetTokensFromRefreshToken with the raw secret by default, InitiateAuth
// hashed over cognito:username with the remember strategy.
func refreshCall(a testApp, internal string) hopCall {
	if a.refresh == "remember" {
		return hopCall{"InitiateAuth", internal}
	}
	return hopCall{"GetTokensFromRefreshToken", ""}
}

// TestGoSDKFlowsThroughProxy drives every public flow of the issue with
// aws-sdk-go-v2 (BaseEndpoint = the proxy, no secret in the app) against
// moto behind a StrictHop, for a client with the default refresh strategy
// (get_tokens) and one with remember in an email-username pool, where
// cognito:username (the sub) differs from the sign-in name.
func TestGoSDKFlowsThroughProxy(t *testing.T) {
	e := startCognito(t)
	apps := []testApp{
		e.newApp(t, appSpec{name: "gosdk-gettokens"}),
		e.newApp(t, appSpec{name: "gosdk-remember", emailUsernames: true, refresh: "remember", propagateIP: true}),
	}
	cfg := proxyConfig{Upstream: e.hop.URL}
	for _, a := range apps {
		cfg.Clients = append(cfg.Clients, a.clientConfig())
	}
	p := startProxy(t, cfg, firstPassword, newPassword, tempPassword)
	app := cognitotest.NewClient(p.URL)

	for _, a := range apps {
		t.Run(a.name+"/sign-up to password reset", func(t *testing.T) { goSignUpFlow(t, e, app, a) })
		t.Run(a.name+"/NEW_PASSWORD_REQUIRED", func(t *testing.T) { goNewPasswordFlow(t, e, app, a) })
	}
	t.Run("AdminCreateUser is refused", func(t *testing.T) {
		a := apps[0]
		n := len(e.hop.Requests())
		_, err := app.AdminCreateUser(context.Background(), &cip.AdminCreateUserInput{
			UserPoolId: aws.String(a.pool.ID), Username: aws.String("admin-made"),
			TemporaryPassword: aws.String(tempPassword),
		})
		wantAPIError(t, "AdminCreateUser through the proxy", err, "ForbiddenException", 403)
		if got := e.hop.Requests()[n:]; len(got) != 0 {
			t.Errorf("a refused call reached the upstream: %d requests", len(got))
		}
		if e.userExists(t, a, "admin-made") {
			t.Error("the refused AdminCreateUser created the user")
		}
	})
}

// goSignUpFlow: sign-up, resend the code, confirm, sign-in, refresh, forgot
// password, confirm forgot password, sign-in with the new password, revoke
// the refresh token.
func goSignUpFlow(t *testing.T, e *cognitoEnv, app *cip.Client, a testApp) {
	ctx := context.Background()
	id := aws.String(a.client.ID)
	user := signInName(a, "alice")
	var tokens *types.AuthenticationResultType

	e.through(t, a, "SignUp", func() error {
		_, err := app.SignUp(ctx, &cip.SignUpInput{
			ClientId: id, Username: aws.String(user), Password: aws.String(firstPassword),
			UserAttributes: cognitotest.Attributes(map[string]string{"email": "alice-" + a.name + "@example.com"}),
		})
		return err
	}, hopCall{"SignUp", user})
	e.through(t, a, "ResendConfirmationCode", func() error {
		_, err := app.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: id, Username: aws.String(user)})
		return err
	}, hopCall{"ResendConfirmationCode", user})
	e.through(t, a, "ConfirmSignUp", func() error {
		_, err := app.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{
			ClientId: id, Username: aws.String(user), ConfirmationCode: aws.String("123456"),
		})
		return err
	}, hopCall{"ConfirmSignUp", user})
	e.through(t, a, "InitiateAuth USER_PASSWORD_AUTH", func() (err error) {
		tokens, err = passwordSignIn(ctx, app, a, user, firstPassword)
		return err
	}, hopCall{"InitiateAuth", user})

	internal := jwtUsername(t, aws.ToString(tokens.IdToken))
	if stored := e.internalUsername(t, a, user); internal != stored {
		t.Fatalf("ID token's cognito:username %q, moto's %q", internal, stored)
	}
	if a.pool.EmailUsernames && internal == user {
		t.Fatalf("cognito:username is the sign-in name; the remember strategy is not put to the test")
	}
	e.through(t, a, "InitiateAuth REFRESH_TOKEN_AUTH", func() error {
		out, err := app.InitiateAuth(ctx, &cip.InitiateAuthInput{
			ClientId: id, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
			AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(tokens.RefreshToken)},
		})
		if err == nil && (out.AuthenticationResult == nil || out.AuthenticationResult.AccessToken == nil || out.AuthenticationResult.IdToken == nil) {
			t.Errorf("refresh answered without tokens: %+v", out)
		}
		return err
	}, refreshCall(a, internal))

	e.through(t, a, "ForgotPassword", func() error {
		_, err := app.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: id, Username: aws.String(user)})
		return err
	}, hopCall{"ForgotPassword", user})
	e.through(t, a, "ConfirmForgotPassword", func() error {
		_, err := app.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{
			ClientId: id, Username: aws.String(user), ConfirmationCode: aws.String("123456"),
			Password: aws.String(newPassword),
		})
		return err
	}, hopCall{"ConfirmForgotPassword", user})
	e.through(t, a, "InitiateAuth with the new password", func() error {
		_, err := passwordSignIn(ctx, app, a, user, newPassword)
		return err
	}, hopCall{"InitiateAuth", user})

	// Revoking the first refresh token (RevokeToken carries the raw secret)
	// makes the next refresh with it fail upstream.
	e.through(t, a, "RevokeToken", func() error {
		_, err := app.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: id, Token: tokens.RefreshToken})
		return err
	}, hopCall{"RevokeToken", ""})
	n := len(e.hop.Requests())
	_, err := app.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: id, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(tokens.RefreshToken)},
	})
	wantAPIError(t, "refresh with a revoked token", err, "NotAuthorizedException", 400)
	if rs := e.hop.Requests()[n:]; len(rs) != 1 || rs[0].Operation != refreshCall(a, internal).op {
		t.Errorf("refresh with a revoked token: hop records %+v", rs)
	}

	// The reset really happened upstream: the old password is refused by
	// moto (the hop relayed the call, so the hash was right).
	n = len(e.hop.Requests())
	_, err = passwordSignIn(ctx, app, a, user, firstPassword)
	wantAPIError(t, "sign-in with the old password", err, "NotAuthorizedException", 400)
	if rs := e.hop.Requests()[n:]; len(rs) != 1 || rs[0].Refused != "" {
		t.Errorf("old-password sign-in: hop records %+v, want one relayed call", rs)
	}
}

// goNewPasswordFlow: a user created by an administrator (straight in moto)
// signs in through the proxy, answers NEW_PASSWORD_REQUIRED, refreshes the
// tokens it got, and signs in with the new password.
func goNewPasswordFlow(t *testing.T, e *cognitoEnv, app *cip.Client, a testApp) {
	ctx := context.Background()
	id := aws.String(a.client.ID)
	user := signInName(a, "carol")
	attrs := map[string]string{}
	if a.pool.EmailUsernames {
		attrs["email"] = user
	}
	cognitotest.AdminCreateUser(t, e.admin, a.pool.ID, user, tempPassword, attrs)

	var challenge *cip.InitiateAuthOutput
	e.through(t, a, "InitiateAuth with the temporary password", func() (err error) {
		challenge, err = app.InitiateAuth(ctx, &cip.InitiateAuthInput{
			ClientId: id, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": tempPassword},
		})
		return err
	}, hopCall{"InitiateAuth", user})
	if challenge.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("challenge %q, want NEW_PASSWORD_REQUIRED", challenge.ChallengeName)
	}

	var tokens *types.AuthenticationResultType
	e.through(t, a, "RespondToAuthChallenge NEW_PASSWORD_REQUIRED", func() error {
		out, err := app.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId: id, ChallengeName: challenge.ChallengeName, Session: challenge.Session,
			ChallengeResponses: map[string]string{"USERNAME": user, "NEW_PASSWORD": newPassword},
		})
		if err == nil {
			tokens = out.AuthenticationResult
		}
		return err
	}, hopCall{"RespondToAuthChallenge", user})
	if tokens == nil || tokens.RefreshToken == nil {
		t.Fatal("RespondToAuthChallenge answered without tokens")
	}

	internal := jwtUsername(t, aws.ToString(tokens.IdToken))
	e.through(t, a, "refresh after the challenge", func() error {
		_, err := app.InitiateAuth(ctx, &cip.InitiateAuthInput{
			ClientId: id, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
			AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(tokens.RefreshToken)},
		})
		return err
	}, refreshCall(a, internal))
	e.through(t, a, "InitiateAuth with the new password", func() error {
		_, err := passwordSignIn(ctx, app, a, user, newPassword)
		return err
	}, hopCall{"InitiateAuth", user})
}

// passwordSignIn signs in with USER_PASSWORD_AUTH and wants tokens.
func passwordSignIn(ctx context.Context, c *cip.Client, a testApp, user, password string) (*types.AuthenticationResultType, error) {
	out, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(a.client.ID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": password},
	})
	if err != nil {
		return nil, err
	}
	if out.AuthenticationResult == nil {
		return nil, &unexpectedChallenge{out.ChallengeName}
	}
	return out.AuthenticationResult, nil
}

// unexpectedChallenge is a sign-in that answered a challenge instead of
// tokens.
type unexpectedChallenge struct{ name types.ChallengeNameType }

func (e *unexpectedChallenge) Error() string {
	return "challenge " + string(e.name) + " instead of tokens"
}
