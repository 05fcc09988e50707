package proxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
	"github.com/tidwall/gjson"
)

var signCreds = aws.Credentials{AccessKeyID: "AKIDSIGNTEST", SecretAccessKey: "sign-test-secret", SessionToken: "session-token"}

// adminState is testState with the test client in admin mode, signing with
// signCreds.
func adminState() *State {
	st := testState()
	c := st.Clients[clientID]
	c.UserPoolID = "eu-west-1_AbC123"
	c.Admin = &cognito.AdminMode{Region: "eu-west-1", ContextHeaders: cognito.DefaultContextHeaders}
	st.Signer = NewSigner(credentials.NewStaticCredentialsProvider(signCreds.AccessKeyID, signCreds.SecretAccessKey, signCreds.SessionToken))
	return st
}

// TestSignedAdminCall checks on the wire, through a StrictHop that
// recomputes the signature, that an admin-mode sign-in goes upstream as a
// SigV4-signed AdminInitiateAuth, with the client's own signing headers
// replaced.
func TestSignedAdminCall(t *testing.T) {
	rec := &recorder{}
	up := httptest.NewServer(rec)
	defer up.Close()
	hop := cognitotest.StartStrictHop(t, up.URL, map[string]string{clientID: secret})
	hop.CheckAdmin(cognitotest.AdminRules{Region: "eu-west-1", Credentials: signCreds})
	p := startProxy(t, adminState(), hop.URL, 5*time.Second)

	resp := call(t, p, "InitiateAuth", `{"ClientId":"`+clientID+`","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"bob","PASSWORD":"p"}}`,
		map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=FORGED/x/us-east-1/cognito-idp/aws4_request", "X-Amz-Security-Token": "forged", "User-Agent": "test-agent/1"})
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
	got := hop.Requests()[0]
	if got.Operation != "AdminInitiateAuth" || got.Refused != "" {
		t.Fatalf("hop saw %s, refused %q", got.Operation, got.Refused)
	}
	auth := got.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDSIGNTEST/") || !strings.Contains(auth, "/eu-west-1/cognito-idp/aws4_request") {
		t.Fatalf("Authorization %q", auth)
	}
	if got.Header.Get("X-Amz-Security-Token") != "session-token" {
		t.Fatalf("security token %q", got.Header.Get("X-Amz-Security-Token"))
	}
	if ua := gjson.GetBytes(got.Body, `ContextData.HttpHeaders.#(headerName=="User-Agent").headerValue`).Str; ua != "test-agent/1" {
		t.Fatalf("ContextData User-Agent %q in %s", ua, got.Body)
	}
}

func TestHopRefusesTamperedSignature(t *testing.T) {
	rec := &recorder{}
	up := httptest.NewServer(rec)
	defer up.Close()
	hop := cognitotest.StartStrictHop(t, up.URL, nil)
	hop.CheckAdmin(cognitotest.AdminRules{Region: "eu-west-1", Credentials: aws.Credentials{AccessKeyID: signCreds.AccessKeyID, SecretAccessKey: "another-key"}})
	p := startProxy(t, adminState(), hop.URL, 5*time.Second)
	resp := call(t, p, "InitiateAuth", `{"ClientId":"`+clientID+`","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"bob"}}`, nil)
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Amzn-Errortype") != "InvalidSignatureException:" || rec.count() != 0 {
		t.Fatalf("status %d type %q, upstream calls %d", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), rec.count())
	}
}

type failingCreds struct{}

func (failingCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{}, errors.New("no EC2 IMDS role found")
}

func TestUnsignableRequestIsNotForwarded(t *testing.T) {
	for name, signer := range map[string]*Signer{"no signer": nil, "no credentials": NewSigner(failingCreds{})} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			up := httptest.NewServer(rec)
			defer up.Close()
			st := adminState()
			st.Signer = signer
			p := startProxy(t, st, up.URL, 5*time.Second)
			resp := call(t, p, "RespondToAuthChallenge", `{"ClientId":"`+clientID+`","ChallengeName":"NEW_PASSWORD_REQUIRED","ChallengeResponses":{"USERNAME":"bob"}}`, nil)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 500 || gjson.GetBytes(body, "__type").Str != "InternalErrorException" || rec.count() != 0 {
				t.Fatalf("status %d body %s upstream calls %d", resp.StatusCode, body, rec.count())
			}
		})
	}
}

func TestSignerCheck(t *testing.T) {
	if err := NewSigner(failingCreds{}).Check(context.Background()); err == nil {
		t.Fatal("Check passed without credentials")
	}
	if err := adminState().Signer.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestAdminModePublicOperationsAreNotSigned(t *testing.T) {
	rec := &recorder{}
	up := httptest.NewServer(rec)
	defer up.Close()
	p := startProxy(t, adminState(), up.URL, 5*time.Second)
	call(t, p, "SignUp", `{"ClientId":"`+clientID+`","Username":"alice","Password":"p"}`, map[string]string{"X-Forwarded-For": "198.51.100.7"})
	got := rec.last(t)
	if got.header.Get("X-Amz-Target") != cognito.TargetPrefix+"SignUp" || got.header.Get("Authorization") != "" ||
		gjson.GetBytes(got.body, "UserContextData.IpAddress").Str != "198.51.100.7" {
		t.Fatalf("headers %v body %s", got.header, got.body)
	}
}
