package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// TestJWKSThroughTheProxy fetches a pool's JWKS from moto through the
// proxy (the previous proxy answered 405) and shows the web ACL judging
// these GETs in the Default category: over DefaultRateLimit they are
// blocked like any other request.
func TestJWKSThroughTheProxy(t *testing.T) {
	m := cognitotest.StartMoto(t)
	admin := m.Client()
	pool := cognitotest.CreatePool(t, admin, cognitotest.PoolOptions{Name: "jwks"})
	app := cognitotest.CreateAppClient(t, admin, pool.ID, cognitotest.ClientOptions{Name: "jwks-app"})
	url := tenantProxy(t, fmt.Sprintf(`listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream:
  region: us-east-1
  endpoint: %s
clients:
  - client_id: %s
    user_pool_id: %s
waf:
  presets:
    - {name: cognito-categories, params: {DefaultRateLimit: 10, EvaluationWindowSec: 60}}
`, m.URL, app.ID, pool.ID))

	get := func() (int, []byte) {
		resp, err := http.Get(url + "/" + pool.ID + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	status, body := get()
	var jwks struct {
		Keys []struct{ Kid, Kty string } `json:"keys"`
	}
	if err := json.Unmarshal(body, &jwks); status != 200 || err != nil || len(jwks.Keys) == 0 || jwks.Keys[0].Kty != "RSA" {
		t.Fatalf("JWKS through the proxy: %d %s", status, body)
	}
	for i := 2; i <= 20; i++ {
		status, body = get()
		if status == http.StatusForbidden {
			if i <= 10 {
				t.Fatalf("request %d blocked under the limit of 10", i)
			}
			return
		}
		if status != 200 {
			t.Fatalf("request %d: %d %s", i, status, body)
		}
	}
	t.Fatal("20 JWKS GETs from one IP passed a Default rate limit of 10")
}
