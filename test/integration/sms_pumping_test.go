package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// phoneApp is a pool whose user names are phone numbers
// (UsernameAttributes [phone_number]) with one app client behind the
// proxy, whose web ACL runs the SMS preset with params.
func phoneApp(t *testing.T, name, params string) (e *cognitoEnv, pool cognitotest.Pool, clientID, url string) {
	t.Helper()
	e = startCognito(t)
	pool = cognitotest.CreatePool(t, e.admin, cognitotest.PoolOptions{Name: "pg-" + name, PhoneUsernames: true})
	app := cognitotest.CreateAppClient(t, e.admin, pool.ID, cognitotest.ClientOptions{Name: "app-" + name})
	secret := "secret-" + name + "-5b2d40867f3a9c1e"
	e.hop.SetSecret(app.ID, secret)
	p := startProxy(t, proxyConfig{
		Upstream: e.hop.URL,
		Clients:  []clientConfig{{ID: app.ID, PoolID: pool.ID, Secret: secret}},
		Extra:    "waf:\n  name: sms\n  presets:\n    - {name: cognito-sms-pumping, params: " + params + "}\n",
	})
	return e, pool, app.ID, p.URL
}

// userExists reports whether moto holds a user named name in pool.
func userExists(t *testing.T, e *cognitoEnv, pool, name string) bool {
	t.Helper()
	_, err := e.admin.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String(name)})
	if err != nil && errorCode(err) != "UserNotFoundException" {
		t.Fatalf("AdminGetUser: %v", err)
	}
	return err == nil
}

// rawCall posts body (sent as is, so it may hold JSON escapes) as op and
// returns the status and the error type.
func rawCall(t *testing.T, url, op, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, strings.TrimSuffix(resp.Header.Get("X-Amzn-Errortype"), ":")
}

// TestSMSPumpingPhoneUsername is issue 15's first finding: in a pool whose
// user names are phone numbers, SignUp with Username "+882…" and no
// UserAttributes made the pool text any calling code, because the SMS
// preset's allow list and per-number limit read only UserAttributes. Now
// the user name is the number: the sign-up is refused in every encoding
// and through every operation that sends a code, and never reaches moto,
// which (as the control shows) would have created the user.
func TestSMSPumpingPhoneUsername(t *testing.T) {
	ctx := context.Background()
	e, pool, client, url := phoneApp(t, "phone-names", `{AllowedCallingCodes: ["+44"], PhoneNumberRateLimit: 10}`)
	viaProxy := cognitotest.NewClient(url)

	// Control: moto itself creates a user named by a +882 number.
	if _, err := e.admin.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(client), Username: aws.String("+88216123457"), Password: aws.String("Passw0rd!x")}); err != nil {
		t.Fatalf("control sign-up straight to moto: %v", err)
	}
	if !userExists(t, e, pool.ID, "+88216123457") {
		t.Fatal("control: moto did not create the phone-number user")
	}

	_, err := viaProxy.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(client), Username: aws.String("+88216123456"), Password: aws.String("Passw0rd!x")})
	wantAPIError(t, "SignUp +882 user name via the proxy", err, "ForbiddenException", 403)
	for _, name := range []string{"+882 16 123456", "00-882-16-123456", "＋８８２１６１２３４５６", `\u002b88216123456`, `\uff0b882\u0031\u0036123456`} {
		body := `{"ClientId":"` + client + `","Username":"` + name + `","Password":"Passw0rd!x"}`
		if st, typ := rawCall(t, url, "SignUp", body); st != 403 || typ != "ForbiddenException" {
			t.Errorf("SignUp with user name %q: %d %s, want 403 ForbiddenException", name, st, typ)
		}
	}
	for _, name := range []string{"+88216123456", "+88216123457"} {
		if name == "+88216123456" && userExists(t, e, pool.ID, name) {
			t.Errorf("the refused sign-up created %s in moto", name)
		}
		for _, op := range []string{"ForgotPassword", "ResendConfirmationCode"} {
			body := `{"ClientId":"` + client + `","Username":"` + name + `"}`
			if st, typ := rawCall(t, url, op, body); st != 403 {
				t.Errorf("%s to %s: %d %s, want 403", op, name, st, typ)
			}
		}
	}

	// A number the allow list takes passes, and is stored as phone_number.
	if _, err := viaProxy.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(client), Username: aws.String("+447400123456"), Password: aws.String("Passw0rd!x")}); err != nil {
		t.Fatalf("SignUp of an allowed number: %v", err)
	}
	if !userExists(t, e, pool.ID, "+447400123456") {
		t.Fatal("the allowed sign-up did not reach moto")
	}

	// The per-number limit (10) counts the sign-up and every ForgotPassword
	// naming the number, however it is written.
	forms := []string{"+447400123456", "+44 7400 123456", "00447400123456", "＋４４７４００１２３４５６"}
	passed := 0
	for i := range 12 {
		body := `{"ClientId":"` + client + `","Username":"` + forms[i%len(forms)] + `"}`
		if st, _ := rawCall(t, url, "ForgotPassword", body); st != 403 {
			passed++
		}
	}
	if passed != 9 {
		t.Errorf("%d ForgotPassword calls to one number passed after its sign-up, want 9 (limit 10)", passed)
	}
}

// TestSMSPumpingRegionsThroughMoto: with AllowedRegions [US] a Jamaican
// number (+1 876, inside the US's calling code) is refused as a user name
// and as an attribute, a US number signs up, and an invalid number is
// answered InvalidParameterException by the proxy without reaching moto.
func TestSMSPumpingRegionsThroughMoto(t *testing.T) {
	ctx := context.Background()
	e, pool, client, url := phoneApp(t, "regions", `{AllowedRegions: [US]}`)
	viaProxy := cognitotest.NewClient(url)
	for _, tc := range []struct{ name, code string }{
		{"+18762101234", "ForbiddenException"},        // Jamaica
		{"+19002123456", "ForbiddenException"},        // premium rate
		{"+15551234567", "InvalidParameterException"}, // unallocated
		{"+14155552671", ""},                          // US
	} {
		_, err := viaProxy.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(client), Username: aws.String(tc.name), Password: aws.String("Passw0rd!x")})
		if tc.code == "" {
			if err != nil {
				t.Errorf("SignUp %s: %v", tc.name, err)
			}
		} else {
			wantAPIError(t, fmt.Sprintf("SignUp %s", tc.name), err, tc.code, 0)
		}
		if userExists(t, e, pool.ID, tc.name) != (tc.code == "") {
			t.Errorf("%s: user in moto = %v", tc.name, !(tc.code == ""))
		}
	}
	for _, r := range e.hop.Requests() {
		if strings.Contains(string(r.Body), "5551234567") {
			t.Errorf("the invalid number reached the upstream: %s", r.Operation)
		}
	}
}
