package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// postRaw sends body to url as op with the given Content-Type and returns
// the status. It carries an Authorization header in SigV4's shape, which
// moto needs to route the call to its Cognito backend (a client may send
// any header).
func postRaw(t *testing.T, url, op, contentType string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestForwardedBodyIsWhatTheProxyRead is the query-string trick: moto also
// reads a JSON body as a query string, so "&Action=AdminDeleteUser&" inside
// any JSON string of a public call runs AdminDeleteUser, an IAM operation
// the web ACL never saw. Through the proxy, which forwards its canonical
// re-encoding of the body with its own Content-Type, the victim survives
// wherever the trick hides; sent straight to moto, the same body deletes
// the victim (so the test can fail).
func TestForwardedBodyIsWhatTheProxyRead(t *testing.T) {
	ctx := context.Background()
	m := cognitotest.StartMoto(t)
	admin := m.Client()
	pool := cognitotest.CreatePool(t, admin, cognitotest.PoolOptions{Name: "canonical"})
	app := cognitotest.CreateAppClient(t, admin, pool.ID, cognitotest.ClientOptions{Name: "canonical-app"})
	url := tenantProxy(t, fmt.Sprintf(`listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream:
  region: us-east-1
  endpoint: %s
clients:
  - client_id: %s
    user_pool_id: %s
`, m.URL, app.ID, pool.ID))
	exists := func(user string) bool {
		_, err := admin.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool.ID), Username: aws.String(user)})
		return err == nil
	}
	trick := func(victim string) string {
		return "&Action=AdminDeleteUser&UserPoolId=" + pool.ID + "&Username=" + victim + "&"
	}
	signUp := func(user, password string, extra map[string]any) []byte {
		b := map[string]any{"ClientId": app.ID, "Username": user, "Password": password}
		for k, v := range extra {
			b[k] = v
		}
		var body bytes.Buffer
		enc := json.NewEncoder(&body)
		enc.SetEscapeHTML(false) // the ampersands as an attacker sends them
		_ = enc.Encode(b)
		return body.Bytes()
	}
	cases := []struct {
		name, contentType string
		body              func(victim string) []byte
	}{
		{"in the user name", "application/x-amz-json-1.1", func(v string) []byte { return signUp("x"+trick(v), "Passw0rd!x", nil) }},
		{"in the password", "application/x-amz-json-1.1", func(v string) []byte { return signUp("mallory1", "Passw0rd!x"+trick(v), nil) }},
		{"in a metadata key", "application/x-amz-json-1.1", func(v string) []byte {
			return signUp("mallory2", "Passw0rd!x", map[string]any{"ClientMetadata": map[string]string{trick(v): "1"}})
		}},
		{"in an attribute value", "application/x-amz-json-1.1", func(v string) []byte {
			return signUp("mallory3", "Passw0rd!x", map[string]any{"UserAttributes": []map[string]string{{"Name": "name", "Value": trick(v)}}})
		}},
		{"as a form", "application/x-www-form-urlencoded", func(v string) []byte { return signUp("x"+trick(v), "Passw0rd!x", nil) }},
		{"escaped by the client", "application/x-amz-json-1.1", func(v string) []byte {
			return bytes.ReplaceAll(signUp("y"+trick(v), "Passw0rd!x", nil), []byte("&"), []byte(`\u0026`))
		}},
	}
	for i, tc := range cases {
		victim := fmt.Sprintf("victim%d", i)
		cognitotest.CreateConfirmedUser(t, admin, pool.ID, victim, "Passw0rd!v", nil)
		postRaw(t, url, "SignUp", tc.contentType, tc.body(victim))
		if !exists(victim) {
			t.Errorf("%s: the trick deleted %s through the proxy", tc.name, victim)
		}
	}

	cognitotest.CreateConfirmedUser(t, admin, pool.ID, "control", "Passw0rd!v", nil)
	postRaw(t, m.URL, "SignUp", "application/x-amz-json-1.1", cases[0].body("control"))
	if exists("control") {
		t.Fatal("straight to moto the trick no longer deletes a user: this test proves nothing")
	}
}
