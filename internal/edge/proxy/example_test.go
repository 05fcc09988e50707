package proxy_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/proxy"
	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// The proxy wired as `poolguard serve` wires it (config, server.BuildState,
// server.BuildUpstream, proxy.New), in front of the stub Cognito upstream.
// An app's InitiateAuth arrives without the client secret's SECRET_HASH;
// the proxy adds it before forwarding. An Admin call, which apps never
// make, is refused with an error in Cognito's shape, never forwarded.
func Example() {
	stub := cognitotest.NewStub()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		want := cognito.SecretHash([]byte("app-client-secret"), "alice", "1example23456789")
		fmt.Println("upstream: SECRET_HASH added:", gjson.GetBytes(body, "AuthParameters.SECRET_HASH").String() == want)
		r.Body = io.NopCloser(bytes.NewReader(body))
		stub.ServeHTTP(w, r)
	}))
	defer upstream.Close()

	dir, _ := os.MkdirTemp("", "poolguard-example")
	defer os.RemoveAll(dir)
	secret := filepath.Join(dir, "secret")
	_ = os.WriteFile(secret, []byte("app-client-secret"), 0o600)
	cfg, err := config.Parse("poolguard.yaml", []byte(`
listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream: {region: eu-west-1, endpoint: "`+upstream.URL+`"}
clients:
  - client_id: 1example23456789
    user_pool_id: eu-west-1_Example
    client_secret: file:`+secret+`
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	st, err := server.BuildState(context.Background(), cfg, server.Deps{Store: ratelimit.NewMemory()})
	if err != nil {
		fmt.Println(err)
		return
	}
	up := server.BuildUpstream(cfg)
	defer up.Close()
	front := httptest.NewServer(proxy.New(st, up, nil, nil))
	defer front.Close()

	call := func(op, body string) {
		req, _ := http.NewRequest(http.MethodPost, front.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusOK {
			fmt.Println(op, resp.Status, "tokens:", gjson.GetBytes(b, "AuthenticationResult.IdToken").Exists())
			return
		}
		fmt.Println(op, resp.Status, resp.Header.Get("X-Amzn-Errortype"), gjson.GetBytes(b, "__type"))
	}
	call("InitiateAuth", `{"ClientId":"1example23456789","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"alice","PASSWORD":"correct horse"}}`)
	call("AdminDeleteUser", `{"UserPoolId":"eu-west-1_Example","Username":"alice"}`)
	// Output:
	// upstream: SECRET_HASH added: true
	// InitiateAuth 200 OK tokens: true
	// AdminDeleteUser 403 Forbidden ForbiddenException: ForbiddenException
}
