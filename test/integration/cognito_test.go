package integration

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// cognitoEnv is a real moto_server behind a StrictHop. The app clients in
// moto have no secret; the hop holds each one's secret and enforces it, so
// only a call that went through the proxy (which holds the same secret)
// passes.
type cognitoEnv struct {
	moto  *cognitotest.Moto
	admin *cip.Client // straight to moto, for setup and inspection
	hop   *cognitotest.StrictHop
}

// startCognito starts moto (skipping the test when it is missing) and a hop
// in front of it.
func startCognito(t *testing.T) *cognitoEnv {
	t.Helper()
	m := cognitotest.StartMoto(t)
	return &cognitoEnv{
		moto:  m,
		admin: m.Client(),
		hop:   cognitotest.StartStrictHop(t, m.URL, nil),
	}
}

// appSpec describes the pool and app client newApp creates.
type appSpec struct {
	// name is unique within the moto process; pools and users are named
	// after it.
	name string
	// emailUsernames makes users sign in with their email, so that
	// cognito:username (the sub) differs from the sign-in name and a refresh
	// hash over the sign-in name would be wrong.
	emailUsernames bool
	// refresh is the proxy's refresh strategy; empty for the default.
	refresh string
	// propagateIP turns on the proxy's propagate_ip for the client.
	propagateIP bool
}

// testApp is a user pool with one public app client, as an app developer
// would have it: the app knows only the client id; the proxy and the hop
// know the secret.
type testApp struct {
	appSpec
	pool   cognitotest.Pool
	client cognitotest.AppClient
	secret string
}

// newApp creates the pool and app client of spec and gives the client a
// secret at the hop.
func (e *cognitoEnv) newApp(t *testing.T, spec appSpec) testApp {
	t.Helper()
	pool := cognitotest.CreatePool(t, e.admin, cognitotest.PoolOptions{Name: "pg-" + spec.name, EmailUsernames: spec.emailUsernames})
	client := cognitotest.CreateAppClient(t, e.admin, pool.ID, cognitotest.ClientOptions{
		Name: "app-" + spec.name, PropagateUserContextData: spec.propagateIP,
	})
	a := testApp{appSpec: spec, pool: pool, client: client, secret: "secret-" + spec.name + "-7f3a9c1e5b2d4086"}
	e.hop.SetSecret(client.ID, a.secret)
	return a
}

// clientConfig is the app's entry in the proxy's config.
func (a testApp) clientConfig() clientConfig {
	return clientConfig{ID: a.client.ID, PoolID: a.pool.ID, Secret: a.secret, Refresh: a.refresh, PropagateIP: a.propagateIP}
}

// internalUsername returns the user's cognito:username as moto stores it.
func (e *cognitoEnv) internalUsername(t *testing.T, a testApp, signInName string) string {
	t.Helper()
	out, err := e.admin.AdminGetUser(context.Background(), &cip.AdminGetUserInput{
		UserPoolId: aws.String(a.pool.ID), Username: aws.String(signInName),
	})
	if err != nil {
		t.Fatalf("AdminGetUser %s: %v", signInName, err)
	}
	return aws.ToString(out.Username)
}

// userExists reports whether moto knows username in a's pool.
func (e *cognitoEnv) userExists(t *testing.T, a testApp, username string) bool {
	t.Helper()
	_, err := e.admin.AdminGetUser(context.Background(), &cip.AdminGetUserInput{
		UserPoolId: aws.String(a.pool.ID), Username: aws.String(username),
	})
	if err == nil {
		return true
	}
	if code := errorCode(err); code != "UserNotFoundException" {
		t.Fatalf("AdminGetUser %s: %v", username, err)
	}
	return false
}

// hopCall is what the hop must have received for one SDK call: the
// operation and the name the secret hash is over. An empty name means the
// raw secret in ClientSecret (GetTokensFromRefreshToken).
type hopCall struct {
	op   string
	name string
}

// checkHopCalls checks that reqs are exactly the calls in want, in order,
// for app a, that the hop refused none of them, and that each carried the
// right secret hash (or the raw secret). It is the oracle for "the proxy
// added the right secret": it recomputes the hash independently of both the
// proxy and the hop.
func checkHopCalls(t *testing.T, a testApp, reqs []cognitotest.Request, want ...hopCall) {
	t.Helper()
	if len(reqs) != len(want) {
		ops := make([]string, len(reqs))
		for i, r := range reqs {
			ops[i] = r.Operation
		}
		t.Fatalf("hop received %d calls %v, want %d %v", len(reqs), ops, len(want), want)
	}
	for i, w := range want {
		r := reqs[i]
		if r.Operation != w.op {
			t.Errorf("hop call %d: %s, want %s", i, r.Operation, w.op)
			continue
		}
		if r.Refused != "" {
			t.Errorf("hop call %d (%s): refused with %s", i, r.Operation, r.Refused)
		}
		if err := checkSecret(r, a.client.ID, a.secret, w.name); err != nil {
			t.Errorf("hop call %d (%s): %v", i, r.Operation, err)
		}
		if a.propagateIP {
			if err := checkPropagatedIP(r, loopbackIP); err != nil {
				t.Errorf("hop call %d (%s): %v", i, r.Operation, err)
			}
		}
	}
}

// checkSecret returns an error unless r, a call for clientID, carries the
// secret as Cognito wants it for r's operation, hashed over name.
func checkSecret(r cognitotest.Request, clientID, secret, name string) error {
	var body struct {
		ClientId           string
		SecretHash         string
		ClientSecret       string
		AuthParameters     map[string]string
		ChallengeResponses map[string]string
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		return err
	}
	if body.ClientId != clientID {
		return errors.New("ClientId " + body.ClientId + ", want " + clientID)
	}
	var got string
	switch r.Operation {
	case "SignUp", "ConfirmSignUp", "ResendConfirmationCode", "ForgotPassword", "ConfirmForgotPassword":
		got = body.SecretHash
	case "InitiateAuth":
		got = body.AuthParameters["SECRET_HASH"]
	case "RespondToAuthChallenge":
		got = body.ChallengeResponses["SECRET_HASH"]
	case "GetTokensFromRefreshToken", "RevokeToken":
		if body.ClientSecret != secret {
			return errors.New("ClientSecret is not the client's secret")
		}
		return nil
	default:
		return errors.New("no secret rule for " + r.Operation)
	}
	if want := cognitotest.SecretHash(secret, name, clientID); got != want {
		return errors.New("secret hash " + got + ", want the hash over " + name + " " + want)
	}
	return nil
}

// loopbackIP is the client address of every test client.
const loopbackIP = "127.0.0.1"

// checkPropagatedIP returns an error unless r carries
// UserContextData.IpAddress ip, which the proxy adds with propagate_ip to
// every call that takes UserContextData (not to those that carry the raw
// secret).
func checkPropagatedIP(r cognitotest.Request, ip string) error {
	var body struct {
		UserContextData *struct{ IpAddress string }
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		return err
	}
	switch r.Operation {
	case "GetTokensFromRefreshToken", "RevokeToken":
		if body.UserContextData != nil {
			return errors.New("UserContextData added to an operation that does not take it")
		}
		return nil
	}
	if body.UserContextData == nil || body.UserContextData.IpAddress != ip {
		return errors.New("UserContextData.IpAddress is not " + ip)
	}
	return nil
}

// errorCode returns the API error code of err, or "" when err is nil or
// not an API error.
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// httpStatus returns the HTTP status of the response that produced err, or
// 0 when there was none.
func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// wantAPIError fails the test unless err is the API error code with HTTP
// status (status 0: any).
func wantAPIError(t *testing.T, what string, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded, want %s", what, code)
	}
	if got := errorCode(err); got != code {
		t.Fatalf("%s: %v (code %q), want %s", what, err, got, code)
	}
	if status != 0 && httpStatus(err) != status {
		t.Fatalf("%s: HTTP status %d, want %d (%v)", what, httpStatus(err), status, err)
	}
}

// jwtUsername returns the cognito:username claim of a JWT without
// verifying it.
func jwtUsername(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %.20q", token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		t.Fatalf("JWT payload: %v", err)
	}
	var claims struct {
		Username string `json:"cognito:username"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Username == "" {
		t.Fatalf("JWT has no cognito:username: %v", err)
	}
	return claims.Username
}
