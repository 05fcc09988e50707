package integration

import (
	"github.com/poolguard/poolguard/internal/testkit/proxytest"

	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// Identifiers of the app client the error tests use; the upstreams here
// check nothing, so they need not exist anywhere.
const (
	errClientID = "errclient0123456789abcdefg"
	errPoolID   = "us-east-1_Errors1"
	errSecret   = "err-secret-5d0c7e2a91b84f36"
	// errTimeout is the upstream timeout of the proxy in front of the
	// upstream that never answers.
	errTimeout = 300 * time.Millisecond
	// overLimit is a body size over the proxy's default 64 KiB limit.
	overLimit = 70 << 10
)

// errorProxies are three proxies for the error cases: one in front of a
// fast stub, one in front of a closed port, one in front of an upstream
// that never answers.
type errorProxies struct {
	main, unreachable, slow *runningProxy
	// reached counts the requests that reached the stub.
	reached *atomic.Int64
}

// startErrorProxies starts the upstreams and the three proxies. None of
// them needs moto.
func startErrorProxies(t *testing.T) errorProxies {
	t.Helper()
	ep := errorProxies{reached: new(atomic.Int64)}
	stub := cognitotest.NewStub()
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep.reached.Add(1)
		stub.ServeHTTP(w, r)
	}))
	t.Cleanup(fast.Close)
	// The hanging upstream returns when the proxy gives up on the request
	// and closes the connection. net/http notices that only once the body
	// has been read, so read it first.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	t.Cleanup(hang.Close)

	clients := []clientConfig{{ID: errClientID, PoolID: errPoolID, Secret: errSecret}}
	ep.main = startProxy(t, proxyConfig{Upstream: fast.URL, Clients: clients})
	ep.unreachable = startProxy(t, proxyConfig{Upstream: "http://" + closedAddr(t), Clients: clients})
	ep.slow = startProxy(t, proxyConfig{Upstream: hang.URL, Timeout: errTimeout, Clients: clients})
	return ep
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l := proxytest.Listen(t)
	addr := l.Addr().String()
	l.Close()
	return addr
}

// signUp is a SignUp for the error client; pad, when positive, adds that
// many bytes of ClientMetadata.
func signUp(ctx context.Context, c *cip.Client, pad int) error {
	in := &cip.SignUpInput{
		ClientId: aws.String(errClientID), Username: aws.String("erroruser"), Password: aws.String(firstPassword),
	}
	if pad > 0 {
		in.ClientMetadata = map[string]string{"pad": strings.Repeat("x", pad)}
	}
	_, err := c.SignUp(ctx, in)
	return err
}

// TestGoSDKErrors checks the error code aws-sdk-go-v2 surfaces for each
// error the proxy produces itself, and that none of those requests reached
// the upstream when the proxy could refuse them alone.
func TestGoSDKErrors(t *testing.T) {
	ep := startErrorProxies(t)
	ctx := context.Background()
	app := cognitotest.NewClient(ep.main.URL)

	if err := signUp(ctx, app, 0); err != nil {
		t.Fatalf("baseline SignUp through the proxy: %v", err)
	}
	reached := ep.reached.Load()

	iam := []struct {
		name string
		call func() error
	}{
		{"AdminCreateUser", func() error {
			_, err := app.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(errPoolID), Username: aws.String("x")})
			return err
		}},
		{"AdminInitiateAuth", func() error {
			_, err := app.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(errPoolID),
				ClientId: aws.String(errClientID), AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth})
			return err
		}},
		{"ListUsers", func() error {
			_, err := app.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(errPoolID)})
			return err
		}},
		{"CreateUserPool", func() error {
			_, err := app.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("x")})
			return err
		}},
	}
	for _, c := range iam {
		t.Run("refused IAM operation "+c.name, func(t *testing.T) {
			wantAPIError(t, c.name, c.call(), "ForbiddenException", http.StatusForbidden)
		})
	}
	t.Run("body over the limit", func(t *testing.T) {
		wantAPIError(t, "SignUp with a 70 KiB body", signUp(ctx, app, overLimit),
			"RequestEntityTooLargeException", http.StatusRequestEntityTooLarge)
	})
	if got := ep.reached.Load(); got != reached {
		t.Errorf("%d refused requests reached the upstream", got-reached)
	}

	t.Run("unreachable upstream", func(t *testing.T) {
		err := signUp(ctx, cognitotest.NewClient(ep.unreachable.URL), 0)
		wantAPIError(t, "SignUp", err, "InternalErrorException", http.StatusBadGateway)
	})
	t.Run("upstream timeout", func(t *testing.T) {
		err := signUp(ctx, cognitotest.NewClient(ep.slow.URL), 0)
		wantAPIError(t, "SignUp", err, "InternalErrorException", http.StatusGatewayTimeout)
	})
}

// rawCase is a request no SDK can send, with the error the proxy must
// answer.
type rawCase struct {
	name   string
	method string
	target string // X-Amz-Target; empty: none
	body   string
	status int
	typ    string
}

// rawErrorCases are the malformed requests of issue 2, section 8.
func rawErrorCases() []rawCase {
	signUp := `{"ClientId":"` + errClientID + `","Username":"u","Password":"p"}`
	return []rawCase{
		{"malformed JSON", "POST", cognitotest.TargetPrefix + "SignUp", `{"ClientId": "` + errClientID, 400, "SerializationException"},
		{"JSON that is not an object", "POST", cognitotest.TargetPrefix + "SignUp", `["SignUp"]`, 400, "SerializationException"},
		{"missing X-Amz-Target", "POST", "", signUp, 400, "UnknownOperationException"},
		{"unknown operation", "POST", cognitotest.TargetPrefix + "Teleport", signUp, 400, "UnknownOperationException"},
		{"another service's target", "POST", "DynamoDB_20120810.ListTables", `{}`, 400, "UnknownOperationException"},
		{"body over the limit", "POST", cognitotest.TargetPrefix + "SignUp",
			`{"ClientId":"` + errClientID + `","ClientMetadata":{"pad":"` + strings.Repeat("x", overLimit) + `"}}`,
			413, "RequestEntityTooLargeException"},
		{"GET", "GET", "", "", 405, "UnknownOperationException"},
	}
}

// TestRawErrorsAreCognitoShaped sends requests SDKs can't send (malformed
// JSON, missing or unknown targets, an oversized body, a GET) and checks
// each answer is in Cognito's shape — JSON __type and message, header
// x-amzn-ErrorType "<type>:", x-amzn-RequestId, CORS headers — and that
// none reached the upstream.
func TestRawErrorsAreCognitoShaped(t *testing.T) {
	ep := startErrorProxies(t)
	for _, c := range rawErrorCases() {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, ep.main.URL+"/", strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", cognitotest.ContentType)
			req.Header.Set("Origin", "https://app.example")
			if c.target != "" {
				req.Header.Set("X-Amz-Target", c.target)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			checkCognitoError(t, resp, c.status, c.typ)
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got == "" {
				t.Error("no Access-Control-Allow-Origin on an error answer")
			}
		})
	}
	if n := ep.reached.Load(); n != 0 {
		t.Errorf("%d malformed requests reached the upstream", n)
	}
}

// checkCognitoError checks that resp is the Cognito-shaped error typ with
// status.
func checkCognitoError(t *testing.T, resp *http.Response, status int, typ string) {
	t.Helper()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status {
		t.Errorf("status %d, want %d; body %s", resp.StatusCode, status, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != cognitotest.ContentType {
		t.Errorf("Content-Type %q, want %s", ct, cognitotest.ContentType)
	}
	if got := resp.Header.Get("X-Amzn-ErrorType"); got != typ+":" {
		t.Errorf("x-amzn-ErrorType %q, want %q", got, typ+":")
	}
	if resp.Header.Get("X-Amzn-RequestId") == "" {
		t.Error("no x-amzn-RequestId")
	}
	var body struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("body is not JSON: %v: %q", err, raw)
	}
	if body.Type != typ || body.Message == "" {
		t.Errorf("body %s, want __type %s and a message", raw, typ)
	}
}
