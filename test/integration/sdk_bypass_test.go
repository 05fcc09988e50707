package integration

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// TestGoSDKBypassingProxyFails sends each call of the flows, with the same
// aws-sdk-go-v2 client configuration, first straight to the StrictHop (as
// an attacker scripting the user pool would) and then through the proxy:
// the direct call fails with NotAuthorizedException before reaching moto,
// the proxied one succeeds. The protection therefore comes from the proxy
// holding the secret, not from the app.
func TestGoSDKBypassingProxyFails(t *testing.T) {
	e := startCognito(t)
	a := e.newApp(t, appSpec{name: "bypass"})
	p := startProxy(t, proxyConfig{Upstream: e.hop.URL, Clients: []clientConfig{a.clientConfig()}},
		firstPassword, newPassword, tempPassword)
	viaProxy := cognitotest.NewClient(p.URL)
	direct := cognitotest.NewClient(e.hop.URL)

	ctx := context.Background()
	id := aws.String(a.client.ID)
	const user, invited = "dave", "erin"
	cognitotest.AdminCreateUser(t, e.admin, a.pool.ID, invited, tempPassword, nil)
	var refreshToken string
	var challenge *cip.InitiateAuthOutput

	steps := []struct {
		name string
		call func(c *cip.Client) error
	}{
		{"SignUp", func(c *cip.Client) error {
			_, err := c.SignUp(ctx, &cip.SignUpInput{ClientId: id, Username: aws.String(user), Password: aws.String(firstPassword)})
			return err
		}},
		{"ConfirmSignUp", func(c *cip.Client) error {
			_, err := c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: id, Username: aws.String(user), ConfirmationCode: aws.String("123456")})
			return err
		}},
		{"InitiateAuth USER_PASSWORD_AUTH", func(c *cip.Client) error {
			tokens, err := passwordSignIn(ctx, c, a, user, firstPassword)
			if err == nil {
				refreshToken = aws.ToString(tokens.RefreshToken)
			}
			return err
		}},
		{"InitiateAuth REFRESH_TOKEN_AUTH", func(c *cip.Client) error {
			_, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: id, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
				AuthParameters: map[string]string{"REFRESH_TOKEN": refreshToken}})
			return err
		}},
		{"ForgotPassword", func(c *cip.Client) error {
			_, err := c.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: id, Username: aws.String(user)})
			return err
		}},
		{"ConfirmForgotPassword", func(c *cip.Client) error {
			_, err := c.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: id, Username: aws.String(user),
				ConfirmationCode: aws.String("123456"), Password: aws.String(newPassword)})
			return err
		}},
		{"InitiateAuth with a temporary password", func(c *cip.Client) (err error) {
			challenge, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: id, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
				AuthParameters: map[string]string{"USERNAME": invited, "PASSWORD": tempPassword}})
			return err
		}},
		{"RespondToAuthChallenge NEW_PASSWORD_REQUIRED", func(c *cip.Client) error {
			_, err := c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: id,
				ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: challenge.Session,
				ChallengeResponses: map[string]string{"USERNAME": invited, "NEW_PASSWORD": newPassword}})
			return err
		}},
	}
	for _, s := range steps {
		// Each step needs the previous ones to have succeeded through the
		// proxy, so a failure stops the test.
		n := len(e.hop.Requests())
		err := s.call(direct)
		wantAPIError(t, s.name+" straight to the upstream", err, "NotAuthorizedException", 400)
		if rs := e.hop.Requests()[n:]; len(rs) != 1 || rs[0].Refused != cognitotest.NotAuthorized {
			t.Fatalf("%s straight to the upstream: hop records %+v, want one call it refused", s.name, rs)
		}
		if s.name == "SignUp" && e.userExists(t, a, user) {
			t.Fatal("the refused SignUp reached moto and created the user")
		}
		n = len(e.hop.Requests())
		if err := s.call(viaProxy); err != nil {
			t.Fatalf("%s through the proxy: %v", s.name, err)
		}
		if rs := e.hop.Requests()[n:]; len(rs) != 1 || rs[0].Refused != "" {
			t.Fatalf("%s through the proxy: hop records %+v, want one accepted call", s.name, rs)
		}
	}
}
