package integration

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
)

// tenantProxy serves a poolguard proxy built from yaml in-process, in front
// of upstream, and returns its URL.
func tenantProxy(t *testing.T, yaml string) string {
	t.Helper()
	srv, _ := proxytest.Serve(t, proxytest.Load(t, "", yaml), server.Deps{}, nil, nil)
	return srv.URL
}

// TestTenantAttack is the first attack of the Haufe-Lexware article "A call for debate on how to secure AWS Cognito": a signed-in user rewrites
// their own custom:tenant with UpdateUserAttributes. Through the proxy,
// with protected_attributes, it is refused as Cognito refuses a write the
// client may not make; the same call straight to moto succeeds, so the
// protection is the proxy's.
func TestTenantAttack(t *testing.T) {
	ctx := context.Background()
	m := cognitotest.StartMoto(t)
	admin := m.Client()
	pool := cognitotest.CreatePool(t, admin, cognitotest.PoolOptions{Name: "tenants", CustomAttributes: []string{"tenant"}})
	app := cognitotest.CreateAppClient(t, admin, pool.ID, cognitotest.ClientOptions{Name: "tenant-app"})
	cognitotest.CreateConfirmedUser(t, admin, pool.ID, "mallory", "Passw0rd!x", map[string]string{"custom:tenant": "companyA", "email": "mallory@a.example"})

	url := tenantProxy(t, fmt.Sprintf(`listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream:
  region: us-east-1
  endpoint: %s
clients:
  - client_id: %s
    user_pool_id: %s
    protected_attributes: ["custom:tenant", email]
    forbidden_operations: [DeleteUser]
`, m.URL, app.ID, pool.ID))
	viaProxy := cognitotest.NewClient(url)

	auth, err := viaProxy.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(app.ID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "mallory", "PASSWORD": "Passw0rd!x"},
	})
	if err != nil {
		t.Fatalf("sign-in through the proxy: %v", err)
	}
	token := auth.AuthenticationResult.AccessToken
	tenant := func() string {
		out, err := admin.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool.ID), Username: aws.String("mallory")})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.UserAttributes {
			if aws.ToString(a.Name) == "custom:tenant" {
				return aws.ToString(a.Value)
			}
		}
		return ""
	}
	setTenant := []types.AttributeType{{Name: aws.String("custom:tenant"), Value: aws.String("companyB")}}

	// Through the proxy: refused, nothing changes.
	_, err = viaProxy.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: token, UserAttributes: setTenant})
	tenantExpect(t, "UpdateUserAttributes custom:tenant via proxy", err, "NotAuthorizedException", 400)
	if got := tenant(); got != "companyA" {
		t.Fatalf("tenant %q after a refused update", got)
	}
	_, err = viaProxy.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: token,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("victim@b.example")}}})
	tenantExpect(t, "UpdateUserAttributes email via proxy", err, "NotAuthorizedException", 400)
	_, err = viaProxy.DeleteUserAttributes(ctx, &cip.DeleteUserAttributesInput{AccessToken: token, UserAttributeNames: []string{"custom:tenant"}})
	tenantExpect(t, "DeleteUserAttributes custom:tenant via proxy", err, "NotAuthorizedException", 400)
	_, err = viaProxy.DeleteUser(ctx, &cip.DeleteUserInput{AccessToken: token})
	tenantExpect(t, "DeleteUser via proxy", err, "ForbiddenException", 403)
	_, err = viaProxy.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(app.ID), Username: aws.String("eve"), Password: aws.String("Passw0rd!x"),
		UserAttributes: []types.AttributeType{{Name: aws.String("custom:tenant"), Value: aws.String("companyB")}}})
	tenantExpect(t, "SignUp with custom:tenant via proxy", err, "NotAuthorizedException", 400)

	// An unprotected attribute still goes through.
	if _, err := viaProxy.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: token,
		UserAttributes: []types.AttributeType{{Name: aws.String("name"), Value: aws.String("Mal")}}}); err != nil {
		t.Fatalf("UpdateUserAttributes name via proxy: %v", err)
	}

	// Straight to Cognito (moto): the attack works; this gap is what the
	// audit and the exported pool web ACL close.
	direct := cognitotest.NewClient(m.URL)
	if _, err := direct.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: token, UserAttributes: setTenant}); err != nil {
		t.Fatalf("UpdateUserAttributes straight to moto: %v", err)
	}
	if got := tenant(); got != "companyB" {
		t.Fatalf("tenant %q after the direct update, want companyB", got)
	}
}

// TestTenantUserExistence shows prevent_user_existence_errors: through the
// proxy an unknown user gets Cognito's generic answers; straight to moto
// (LEGACY) it gets UserNotFoundException.
func TestTenantUserExistence(t *testing.T) {
	ctx := context.Background()
	m := cognitotest.StartMoto(t)
	admin := m.Client()
	pool := cognitotest.CreatePool(t, admin, cognitotest.PoolOptions{Name: "existence"})
	app := cognitotest.CreateAppClient(t, admin, pool.ID, cognitotest.ClientOptions{Name: "existence-app"})
	url := tenantProxy(t, fmt.Sprintf(`listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream:
  region: us-east-1
  endpoint: %s
clients:
  - client_id: %s
    user_pool_id: %s
    prevent_user_existence_errors: true
`, m.URL, app.ID, pool.ID))
	signIn := &cip.InitiateAuthInput{ClientId: aws.String(app.ID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "nobody@x.example", "PASSWORD": "Passw0rd!x"}}

	_, err := cognitotest.NewClient(m.URL).InitiateAuth(ctx, signIn)
	tenantExpect(t, "InitiateAuth unknown user straight to moto", err, "UserNotFoundException", 400)
	_, err = cognitotest.NewClient(url).InitiateAuth(ctx, signIn)
	tenantExpect(t, "InitiateAuth unknown user via proxy", err, "NotAuthorizedException", 400)

	// The other operations' answers are table-tested in internal/cognito:
	// moto answers ForgotPassword for an unknown user with a made-up
	// delivery itself, and ConfirmForgotPassword with ResourceNotFound.
}

// tenantExpect fails the test unless err is the API error code with HTTP
// status. (This file stands alone: it uses no other file's helpers.)
func tenantExpect(t *testing.T, what string, err error, code string, status int) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code {
		t.Fatalf("%s: %v, want %s", what, err, code)
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("%s: %v, want HTTP %d", what, err, status)
	}
}
