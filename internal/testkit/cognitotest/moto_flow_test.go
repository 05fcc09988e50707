package cognitotest

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
)

const (
	flowSecret   = "flow-secret-0123456789abcdefghij"
	flowPassword = "Passw0rd!first"
	flowNewPass  = "Passw0rd!second"
)

// motoHop is moto behind a strict hop, with a pool and an app client that
// has a secret at the hop only.
type motoHop struct {
	moto   *Moto
	admin  *cip.Client // straight to moto
	client *cip.Client // through the hop, like an app behind the proxy
	hop    *StrictHop
	pool   Pool
	app    AppClient
	secret string
}

func startMotoHop(t *testing.T, poolOpts PoolOptions, clientOpts ClientOptions) motoHop {
	t.Helper()
	m := StartMoto(t)
	admin := m.Client()
	pool := CreatePool(t, admin, poolOpts)
	app := CreateAppClient(t, admin, pool.ID, clientOpts)
	secret := flowSecret
	if app.Secret != "" {
		secret = app.Secret
	}
	hop := StartStrictHop(t, m.URL, map[string]string{app.ID: secret})
	return motoHop{m, admin, NewClient(hop.URL), hop, pool, app, secret}
}

func (e motoHop) hash(username string) *string {
	return aws.String(SecretHash(e.secret, username, e.app.ID))
}

// wantAPIError checks that err is Cognito's error typ with message msg.
func wantAPIError(t *testing.T, err error, typ, msg string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v, want %s %q", err, typ, msg)
	}
	if apiErr.ErrorCode() != typ || apiErr.ErrorMessage() != msg {
		t.Fatalf("got %s %q, want %s %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), typ, msg)
	}
}

func signIn(t *testing.T, e motoHop, username, password string) *types.AuthenticationResultType {
	t.Helper()
	out, err := e.client.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		ClientId: aws.String(e.app.ID),
		AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{
			"USERNAME": username, "PASSWORD": password, "SECRET_HASH": *e.hash(username),
		},
	})
	if err != nil {
		t.Fatalf("InitiateAuth USER_PASSWORD_AUTH %s: %v", username, err)
	}
	if out.AuthenticationResult == nil {
		t.Fatalf("InitiateAuth %s: challenge %s instead of tokens", username, out.ChallengeName)
	}
	return out.AuthenticationResult
}

// TestMotoFlowWithSecretHash drives sign-up, confirmation, sign-in, both
// kinds of refresh, revocation and password reset through the hop, with the
// client computing the secret hash itself.
func TestMotoFlowWithSecretHash(t *testing.T) {
	e := startMotoHop(t, PoolOptions{}, ClientOptions{})
	ctx := context.Background()
	id := aws.String(e.app.ID)
	const user = "alice"

	if _, err := e.client.SignUp(ctx, &cip.SignUpInput{
		ClientId: id, Username: aws.String(user), Password: aws.String(flowPassword), SecretHash: e.hash(user),
		UserAttributes: Attributes(map[string]string{"email": "alice@example.com"}),
	}); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	if _, err := e.client.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{
		ClientId: id, Username: aws.String(user), SecretHash: e.hash(user),
	}); err != nil {
		t.Fatalf("ResendConfirmationCode: %v", err)
	}
	if _, err := e.client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{
		ClientId: id, Username: aws.String(user), ConfirmationCode: aws.String("123456"), SecretHash: e.hash(user),
	}); err != nil {
		t.Fatalf("ConfirmSignUp: %v", err)
	}

	tokens := signIn(t, e, user, flowPassword)
	refresh := aws.ToString(tokens.RefreshToken)
	internal, err := cognitoUsername(aws.ToString(tokens.IdToken))
	if err != nil {
		t.Fatal(err)
	}

	refreshed, err := e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: id, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": refresh, "SECRET_HASH": *e.hash(internal)},
	})
	if err != nil || refreshed.AuthenticationResult.IdToken == nil {
		t.Fatalf("InitiateAuth REFRESH_TOKEN_AUTH: %v", err)
	}
	got, err := e.client.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{
		ClientId: id, RefreshToken: aws.String(refresh), ClientSecret: aws.String(e.secret),
	})
	if err != nil || got.AuthenticationResult == nil || got.AuthenticationResult.AccessToken == nil {
		t.Fatalf("GetTokensFromRefreshToken: %v", err)
	}

	if _, err := e.client.ForgotPassword(ctx, &cip.ForgotPasswordInput{
		ClientId: id, Username: aws.String(user), SecretHash: e.hash(user),
	}); err != nil {
		t.Fatalf("ForgotPassword: %v", err)
	}
	if _, err := e.client.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{
		ClientId: id, Username: aws.String(user), ConfirmationCode: aws.String("123456"),
		Password: aws.String(flowNewPass), SecretHash: e.hash(user),
	}); err != nil {
		t.Fatalf("ConfirmForgotPassword: %v", err)
	}
	signIn(t, e, user, flowNewPass)

	if _, err := e.client.RevokeToken(ctx, &cip.RevokeTokenInput{
		ClientId: id, Token: aws.String(refresh), ClientSecret: aws.String(e.secret),
	}); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	_, err = e.client.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{
		ClientId: id, RefreshToken: aws.String(refresh), ClientSecret: aws.String(e.secret),
	})
	wantAPIError(t, err, NotAuthorized, RevokedRefreshTokenMessage)

	rs := e.hop.Requests()
	for _, r := range rs[:len(rs)-1] { // the last one was refused on purpose
		if r.Refused != "" {
			t.Errorf("hop refused %s: %s", r.Operation, r.Refused)
		}
	}
}

// TestMotoFlowWithoutSecretHash sends each call of the flow without the
// secret and checks that the hop, not moto, refuses it.
func TestMotoFlowWithoutSecretHash(t *testing.T) {
	e := startMotoHop(t, PoolOptions{}, ClientOptions{})
	ctx := context.Background()
	id := aws.String(e.app.ID)
	const user = "bob"
	CreateConfirmedUser(t, e.admin, e.pool.ID, user, flowPassword, nil)
	refresh := aws.ToString(signIn(t, e, user, flowPassword).RefreshToken)
	missing := SecretNotReceivedMessage(e.app.ID)

	tests := []struct {
		name string
		call func() error
		typ  string
		msg  string
	}{
		{"SignUp", func() error {
			_, err := e.client.SignUp(ctx, &cip.SignUpInput{ClientId: id, Username: aws.String("mallory"), Password: aws.String(flowPassword)})
			return err
		}, NotAuthorized, missing},
		{"ConfirmSignUp", func() error {
			_, err := e.client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: id, Username: aws.String(user), ConfirmationCode: aws.String("1")})
			return err
		}, NotAuthorized, missing},
		{"ResendConfirmationCode", func() error {
			_, err := e.client.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: id, Username: aws.String(user)})
			return err
		}, NotAuthorized, missing},
		{"USER_PASSWORD_AUTH", func() error {
			_, err := e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: id, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
				AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": flowPassword}})
			return err
		}, NotAuthorized, missing},
		{"REFRESH_TOKEN_AUTH", func() error {
			_, err := e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: id, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
				AuthParameters: map[string]string{"REFRESH_TOKEN": refresh}})
			return err
		}, NotAuthorized, missing},
		{"REFRESH_TOKEN_AUTH with the raw secret", func() error {
			_, err := e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: id, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
				AuthParameters: map[string]string{"REFRESH_TOKEN": refresh, "SECRET_HASH": e.secret}})
			return err
		}, NotAuthorized, SecretHashMismatchMessage(e.app.ID)},
		{"GetTokensFromRefreshToken", func() error {
			_, err := e.client.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: id, RefreshToken: aws.String(refresh)})
			return err
		}, NotAuthorized, missing},
		{"ForgotPassword", func() error {
			_, err := e.client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: id, Username: aws.String(user)})
			return err
		}, NotAuthorized, missing},
		{"ConfirmForgotPassword", func() error {
			_, err := e.client.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: id, Username: aws.String(user),
				ConfirmationCode: aws.String("123456"), Password: aws.String(flowNewPass)})
			return err
		}, NotAuthorized, missing},
		{"RevokeToken", func() error {
			_, err := e.client.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: id, Token: aws.String(refresh)})
			return err
		}, Unauthorized, RevokeTokenSecretMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.hop.Reset()
			wantAPIError(t, tt.call(), tt.typ, tt.msg)
			if rs := e.hop.Requests(); len(rs) != 1 || rs[0].Refused != tt.typ {
				t.Fatalf("hop records %+v", rs)
			}
		})
	}
	// Nothing refused reached moto: mallory was never created, and bob's
	// password is unchanged.
	if _, err := e.admin.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool.ID), Username: aws.String("mallory")}); err == nil {
		t.Error("a SignUp without secret hash created the user")
	}
	signIn(t, e, user, flowPassword)
}

// TestMotoNewPasswordRequired answers NEW_PASSWORD_REQUIRED through the hop.
func TestMotoNewPasswordRequired(t *testing.T) {
	e := startMotoHop(t, PoolOptions{}, ClientOptions{})
	ctx := context.Background()
	const user = "carol"
	AdminCreateUser(t, e.admin, e.pool.ID, user, "Temp0rary!pass", nil)

	out, err := e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(e.app.ID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": "Temp0rary!pass", "SECRET_HASH": *e.hash(user)},
	})
	if err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("InitiateAuth: %v, challenge %q", err, out.ChallengeName)
	}
	answer := func(withHash bool) (*cip.RespondToAuthChallengeOutput, error) {
		cr := map[string]string{"USERNAME": user, "NEW_PASSWORD": flowNewPass}
		if withHash {
			cr["SECRET_HASH"] = *e.hash(user)
		}
		return e.client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId: aws.String(e.app.ID), ChallengeName: out.ChallengeName, Session: out.Session, ChallengeResponses: cr,
		})
	}
	_, err = answer(false)
	wantAPIError(t, err, NotAuthorized, SecretNotReceivedMessage(e.app.ID))
	done, err := answer(true)
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("RespondToAuthChallenge: %v", err)
	}
	// The hop learned the refresh token from the challenge answer.
	if _, err := e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(e.app.ID), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": *done.AuthenticationResult.RefreshToken, "SECRET_HASH": *e.hash(user)},
	}); err != nil {
		t.Fatalf("refresh after challenge: %v", err)
	}
}

// TestMotoEmailPoolRefreshWithMotoSecret uses a pool whose users sign in
// with their email and an app client whose secret moto itself knows: moto
// checks REFRESH_TOKEN_AUTH's hash over the sign-in name, the hop over
// cognito:username (the sub), and the hop rewrites the hash so both agree.
func TestMotoEmailPoolRefreshWithMotoSecret(t *testing.T) {
	e := startMotoHop(t, PoolOptions{EmailUsernames: true}, ClientOptions{GenerateSecret: true})
	if e.app.Secret == "" {
		t.Fatal("moto generated no secret")
	}
	ctx := context.Background()
	const email = "dave@example.com"
	CreateConfirmedUser(t, e.admin, e.pool.ID, email, flowPassword, map[string]string{"email": email})
	tokens := signIn(t, e, email, flowPassword)
	sub, err := cognitoUsername(aws.ToString(tokens.IdToken))
	if err != nil {
		t.Fatal(err)
	}
	if sub == email {
		t.Fatalf("cognito:username is the email; want the sub")
	}
	refresh := aws.ToString(tokens.RefreshToken)

	refreshWith := func(c *cip.Client, name string) error {
		_, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{
			ClientId: aws.String(e.app.ID), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
			AuthParameters: map[string]string{"REFRESH_TOKEN": refresh, "SECRET_HASH": *e.hash(name)},
		})
		return err
	}
	// The quirk: moto wants the sign-in name where Cognito wants the sub.
	if err := refreshWith(e.admin, sub); err == nil {
		t.Error("moto accepted a refresh hash over the sub; the hop's rewrite may be unnecessary now")
	}
	wantAPIError(t, refreshWith(e.client, email), NotAuthorized, SecretHashMismatchMessage(e.app.ID))
	if err := refreshWith(e.client, sub); err != nil {
		t.Fatalf("REFRESH_TOKEN_AUTH over the sub: %v", err)
	}

	if _, err := e.client.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{
		ClientId: aws.String(e.app.ID), RefreshToken: aws.String(refresh), ClientSecret: aws.String(e.secret),
	}); err != nil {
		t.Fatalf("GetTokensFromRefreshToken: %v", err)
	}
}
