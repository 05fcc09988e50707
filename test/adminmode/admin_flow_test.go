package adminmode_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
	"github.com/tidwall/gjson"
)

const secondSecret = "second-client-s3cret-9876543210"

// checkAdminWire checks what the hop received for one forwarded Admin call:
// the operation, accepted (so its signature, recomputed by the hop, and its
// SECRET_HASH were right), signed for cognito-idp in us-east-1 with the
// proxy's key, for the configured pool, with ContextData naming the client.
func checkAdminWire(t *testing.T, e *env, r cognitotest.Request, op, clientIP, userAgent string) {
	t.Helper()
	if r.Operation != op || r.Refused != "" {
		t.Fatalf("hop: %s refused %q, want an accepted %s", r.Operation, r.Refused, op)
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+accessKey+"/") || !strings.Contains(auth, "/us-east-1/cognito-idp/aws4_request") {
		t.Fatalf("Authorization %q", auth)
	}
	body := gjson.ParseBytes(r.Body)
	if body.Get("UserPoolId").Str != e.pool.ID || body.Get("UserContextData").Exists() {
		t.Fatalf("body %s", r.Body)
	}
	cd := body.Get("ContextData")
	if cd.Get("IpAddress").Str != clientIP || cd.Get("ServerPath").Str != "/" || cd.Get("ServerName").Str != strings.TrimPrefix(e.proxyURL, "http://") {
		t.Fatalf("ContextData %s", cd.Raw)
	}
	if ua := cd.Get(`HttpHeaders.#(headerName=="User-Agent").headerValue`); ua.Str != userAgent {
		t.Fatalf("ContextData User-Agent %q, want %q (%s)", ua.Str, userAgent, cd.Raw)
	}
}

// TestAdminSignInChallengeRefresh signs in with a password, answers
// NEW_PASSWORD_REQUIRED and refreshes, through the SDK and the proxy in
// admin mode, with the client secret read from Secrets Manager.
func TestAdminSignInChallengeRefresh(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	cognitotest.CreateConfirmedUser(t, e.admin, e.pool.ID, "alice", password, nil)
	cognitotest.AdminCreateUser(t, e.admin, e.pool.ID, "carol", "Temp0rary!pass", nil)
	app := e.client("198.51.100.23")
	id := aws.String(e.app.ID)

	// A password sign-in: the app sends no SECRET_HASH.
	out, err := app.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: id, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": password},
	})
	if err != nil || out.AuthenticationResult == nil || out.AuthenticationResult.RefreshToken == nil {
		t.Fatalf("InitiateAuth: %v %+v", err, out)
	}
	r := e.lastOp(t, "AdminInitiateAuth")
	ua := r.Header.Get("User-Agent")
	if !strings.Contains(ua, "aws-sdk-go-v2") {
		t.Fatalf("the hop saw User-Agent %q", ua)
	}
	checkAdminWire(t, e, r, "AdminInitiateAuth", "198.51.100.23", ua)
	ap := gjson.GetBytes(r.Body, "AuthParameters")
	if gjson.GetBytes(r.Body, "AuthFlow").Str != "ADMIN_USER_PASSWORD_AUTH" || ap.Get("SECRET_HASH").Str != cognitotest.SecretHash(firstSecret, "alice", e.app.ID) {
		t.Fatalf("body %s", r.Body)
	}

	// A refresh: AdminInitiateAuth with the hash over cognito:username.
	refreshed, err := app.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: id, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": *out.AuthenticationResult.RefreshToken},
	})
	if err != nil || refreshed.AuthenticationResult == nil || refreshed.AuthenticationResult.AccessToken == nil {
		t.Fatalf("refresh: %v", err)
	}
	r = e.lastOp(t, "AdminInitiateAuth")
	checkAdminWire(t, e, r, "AdminInitiateAuth", "198.51.100.23", ua)
	user := claim(t, *out.AuthenticationResult.IdToken, "cognito:username")
	if gjson.GetBytes(r.Body, "AuthFlow").Str != "REFRESH_TOKEN_AUTH" || gjson.GetBytes(r.Body, "AuthParameters.SECRET_HASH").Str != cognitotest.SecretHash(firstSecret, user, e.app.ID) {
		t.Fatalf("refresh body %s", r.Body)
	}

	// NEW_PASSWORD_REQUIRED, from a client calling directly (no X-Forwarded-For).
	direct := e.client("")
	ch, err := direct.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: id, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "carol", "PASSWORD": "Temp0rary!pass"},
	})
	if err != nil || ch.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || ch.Session == nil {
		t.Fatalf("InitiateAuth carol: %v %+v", err, ch)
	}
	done, err := direct.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: id, ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: ch.Session,
		ChallengeResponses: map[string]string{"USERNAME": "carol", "NEW_PASSWORD": password + "2"},
	})
	if err != nil || done.AuthenticationResult == nil || done.AuthenticationResult.IdToken == nil {
		t.Fatalf("RespondToAuthChallenge: %v", err)
	}
	r = e.lastOp(t, "AdminRespondToAuthChallenge")
	checkAdminWire(t, e, r, "AdminRespondToAuthChallenge", "127.0.0.1", ua)
	if gjson.GetBytes(r.Body, "ChallengeResponses.SECRET_HASH").Str != cognitotest.SecretHash(firstSecret, "carol", e.app.ID) {
		t.Fatalf("challenge body %s", r.Body)
	}

	// Cognito's errors come back unchanged.
	_, err = app.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: id, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": "wrong"},
	})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NotAuthorizedException" {
		t.Fatalf("wrong password: %v", err)
	}

	// A public operation in admin mode: SignUp, unsigned, with the client's IP.
	if _, err := app.SignUp(ctx, &cip.SignUpInput{ClientId: id, Username: aws.String("dave"), Password: aws.String(password)}); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	r = e.lastOp(t, "SignUp")
	if r.Refused != "" || r.Header.Get("Authorization") != "" || gjson.GetBytes(r.Body, "UserContextData.IpAddress").Str != "198.51.100.23" {
		t.Fatalf("SignUp on the wire: refused %q headers %v body %s", r.Refused, r.Header, r.Body)
	}
}

// TestAdminWithoutSecretOrUserAgent is the "done when": an app
// client without a secret, and an app without AWS credentials or even a
// User-Agent, signs in; the upstream sees a signed Admin call carrying the
// client's real IP (and, when sent, its user agent).
func TestAdminWithoutSecretOrUserAgent(t *testing.T) {
	e := start(t)
	cognitotest.CreateConfirmedUser(t, e.admin, e.pool.ID, "erin", password, nil)
	body := `{"ClientId":"` + e.open.ID + `","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"erin","PASSWORD":"` + password + `"},"UserContextData":{"EncodedData":"sdk-encoded-data"}}`
	for _, tt := range []struct{ ua, xff, ip string }{
		{"", "", "127.0.0.1"},
		{"", "203.0.113.50", "203.0.113.50"},
		{"Mozilla/5.0 (X11; Linux x86_64)", "203.0.113.51", "203.0.113.51"},
	} {
		hdr := map[string]string{"User-Agent": tt.ua}
		if tt.xff != "" {
			hdr["X-Forwarded-For"] = tt.xff
		}
		status, resp := e.rawCall(t, "InitiateAuth", body, hdr)
		if status != 200 || !gjson.GetBytes(resp, "AuthenticationResult.AccessToken").Exists() {
			t.Fatalf("UA %q: status %d body %s", tt.ua, status, resp)
		}
		r := e.lastOp(t, "AdminInitiateAuth")
		checkAdminWire(t, e, r, "AdminInitiateAuth", tt.ip, tt.ua)
		if gjson.GetBytes(r.Body, "ContextData.EncodedData").Str != "sdk-encoded-data" || gjson.GetBytes(r.Body, "AuthParameters.SECRET_HASH").Exists() {
			t.Fatalf("body %s", r.Body)
		}
	}
}

// claim returns a string claim of a JWT, unverified.
func claim(t *testing.T, jwt, name string) string {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	s, _ := claims[name].(string)
	return s
}
