package integration

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// TestIAMPassThroughKeepsSignatures sends IAM-signed calls (aws-sdk-go-v2,
// an IAM user's access key) through a proxy with operations.allow_iam to
// a moto that verifies SigV4: they succeed, because the proxy forwards the
// Host, body and headers the client signed as they came. The previous
// proxy replaced Host and every call failed with SignatureDoesNotMatch. A
// wrong secret still fails, so moto really checks.
func TestIAMPassThroughKeepsSignatures(t *testing.T) {
	ctx := context.Background()
	m := cognitotest.StartMoto(t)
	admin := m.Client()
	pool := cognitotest.CreatePool(t, admin, cognitotest.PoolOptions{Name: "iam"})
	app := cognitotest.CreateAppClient(t, admin, pool.ID, cognitotest.ClientOptions{Name: "iam-app"})
	cognitotest.CreateConfirmedUser(t, admin, pool.ID, "alice", "Passw0rd!x", nil)
	key := m.EnableSigV4(t)

	url := tenantProxy(t, fmt.Sprintf(`listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream:
  region: us-east-1
  endpoint: %s
operations:
  allow_iam: true
clients:
  - client_id: %s
    user_pool_id: %s
`, m.URL, app.ID, pool.ID))
	signedAs := func(secret string) *cip.Client {
		return cognitotest.NewClient(url, func(o *cip.Options) {
			o.Credentials = credentials.NewStaticCredentialsProvider(key.ID, secret, "")
		})
	}
	ops := signedAs(key.Secret)
	if _, err := ops.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool.ID), Username: aws.String("alice")}); err != nil {
		t.Fatalf("AdminGetUser through the proxy: %v", err)
	}
	users, err := ops.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool.ID), Filter: aws.String(`username = "alice"`)})
	if err != nil || len(users.Users) != 1 {
		t.Fatalf("ListUsers through the proxy: %v", err)
	}
	if _, err := ops.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(pool.ID), Username: aws.String("alice")}); err != nil {
		t.Fatalf("AdminDisableUser through the proxy: %v", err)
	}

	_, err = signedAs("wrong-secret").AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool.ID), Username: aws.String("alice")})
	// moto answers SignatureDoesNotMatch in XML, which the SDK cannot
	// decode for this JSON service: the status says it.
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 403 {
		t.Fatalf("a wrong secret through the proxy: %v, want moto's 403 SignatureDoesNotMatch (is moto checking?)", err)
	}
}
