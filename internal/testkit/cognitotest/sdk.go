package cognitotest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"github.com/aws/smithy-go"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Region is the AWS region every helper here uses.
const Region = "us-east-1"

// NewClient returns an aws-sdk-go-v2 Cognito client that sends to baseURL
// (moto, a StrictHop or the proxy) with static dummy credentials, region
// Region and no retries, so a refused call fails at once. optFns adjust the
// options further.
func NewClient(baseURL string, optFns ...func(*cip.Options)) *cip.Client {
	opts := cip.Options{
		Region:       Region,
		BaseEndpoint: aws.String(baseURL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "test-secret", ""),
		Retryer:      aws.NopRetryer{},
	}
	return cip.New(opts, optFns...)
}

// SecretHash returns Cognito's SECRET_HASH for username and clientID:
// base64(HMAC-SHA256(key=secret, msg=username+clientID)). It is written here
// independently of the product's own so that tests have a separate oracle.
func SecretHash(secret, username, clientID string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(username))
	mac.Write([]byte(clientID))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// PoolOptions configures CreatePool. The zero value is a pool named
// "poolguard-test" with plain usernames.
type PoolOptions struct {
	// Name is the pool name; "poolguard-test" when empty.
	Name string
	// EmailUsernames sets UsernameAttributes to [email]: users sign in with
	// their email and the internal username (cognito:username) is the sub.
	// SRP clients need this against moto (see TESTING-NOTES).
	EmailUsernames bool
	// PhoneUsernames sets UsernameAttributes to [phone_number]: SignUp
	// takes an E.164 Username and stores it as phone_number.
	PhoneUsernames bool
	// CustomAttributes are names of mutable string custom attributes to add
	// to the schema (without the "custom:" prefix).
	CustomAttributes []string
}

// Pool is a user pool created by CreatePool.
type Pool struct {
	ID             string
	Name           string
	EmailUsernames bool
}

// CreatePool creates a user pool through c and fails the test on error.
func CreatePool(t testing.TB, c *cip.Client, opts PoolOptions) Pool {
	t.Helper()
	name := opts.Name
	if name == "" {
		name = "poolguard-test"
	}
	in := &cip.CreateUserPoolInput{PoolName: aws.String(name)}
	if opts.EmailUsernames {
		in.UsernameAttributes = []types.UsernameAttributeType{types.UsernameAttributeTypeEmail}
		in.AutoVerifiedAttributes = []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}
	}
	if opts.PhoneUsernames {
		in.UsernameAttributes = append(in.UsernameAttributes, types.UsernameAttributeTypePhoneNumber)
		in.AutoVerifiedAttributes = append(in.AutoVerifiedAttributes, types.VerifiedAttributeTypePhoneNumber)
	}
	for _, a := range opts.CustomAttributes {
		in.Schema = append(in.Schema, types.SchemaAttributeType{
			Name:              aws.String(a),
			AttributeDataType: types.AttributeDataTypeString,
			Mutable:           aws.Bool(true),
		})
	}
	out, err := c.CreateUserPool(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateUserPool %q: %v", name, err)
	}
	return Pool{ID: aws.ToString(out.UserPool.Id), Name: name, EmailUsernames: opts.EmailUsernames}
}

// DefaultAuthFlows are the explicit auth flows CreateAppClient allows unless
// told otherwise.
var DefaultAuthFlows = []types.ExplicitAuthFlowsType{
	types.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
	types.ExplicitAuthFlowsTypeAllowUserSrpAuth,
	types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
	types.ExplicitAuthFlowsTypeAllowCustomAuth,
}

// ClientOptions configures CreateAppClient. The zero value is a client named
// "poolguard-app" without a secret, allowing DefaultAuthFlows, with token
// revocation enabled.
type ClientOptions struct {
	// Name is the client name; "poolguard-app" when empty.
	Name string
	// AuthFlows replaces DefaultAuthFlows when not nil.
	AuthFlows []types.ExplicitAuthFlowsType
	// ReadAttributes lists the attributes the ID token carries (moto puts
	// email in it only when listed here).
	ReadAttributes []string
	// GenerateSecret makes moto generate a secret (returned in
	// AppClient.Secret). Moto checks it only on a few flows; usually leave it
	// false and give the secret to a StrictHop instead.
	GenerateSecret bool
	// PropagateUserContextData sets EnablePropagateAdditionalUserContextData.
	PropagateUserContextData bool
}

// AppClient is an app client created by CreateAppClient.
type AppClient struct {
	ID     string
	PoolID string
	Name   string
	// Secret is moto's generated secret; empty unless GenerateSecret.
	Secret string
}

// CreateAppClient creates an app client in poolID through c and fails the
// test on error.
func CreateAppClient(t testing.TB, c *cip.Client, poolID string, opts ClientOptions) AppClient {
	t.Helper()
	name := opts.Name
	if name == "" {
		name = "poolguard-app"
	}
	flows := opts.AuthFlows
	if flows == nil {
		flows = DefaultAuthFlows
	}
	out, err := c.CreateUserPoolClient(context.Background(), &cip.CreateUserPoolClientInput{
		UserPoolId:                               aws.String(poolID),
		ClientName:                               aws.String(name),
		GenerateSecret:                           opts.GenerateSecret,
		ExplicitAuthFlows:                        flows,
		ReadAttributes:                           opts.ReadAttributes,
		EnableTokenRevocation:                    aws.Bool(true),
		EnablePropagateAdditionalUserContextData: aws.Bool(opts.PropagateUserContextData),
	})
	if err != nil {
		t.Fatalf("CreateUserPoolClient %q: %v", name, err)
	}
	uc := out.UserPoolClient
	return AppClient{
		ID:     aws.ToString(uc.ClientId),
		PoolID: poolID,
		Name:   name,
		Secret: aws.ToString(uc.ClientSecret),
	}
}

// AdminCreateUser creates username in poolID with a temporary password and
// no invitation message; the user's first sign-in answers
// NEW_PASSWORD_REQUIRED. attrs are user attributes ("email",
// "custom:tenant", ...). It fails the test on error.
func AdminCreateUser(t testing.TB, c *cip.Client, poolID, username, tempPassword string, attrs map[string]string) {
	t.Helper()
	_, err := c.AdminCreateUser(context.Background(), &cip.AdminCreateUserInput{
		UserPoolId:        aws.String(poolID),
		Username:          aws.String(username),
		TemporaryPassword: aws.String(tempPassword),
		MessageAction:     types.MessageActionTypeSuppress,
		UserAttributes:    Attributes(attrs),
	})
	if err != nil {
		t.Fatalf("AdminCreateUser %q: %v", username, err)
	}
}

// AdminSetPassword sets a permanent password for username, which confirms
// the user (status CONFIRMED). It fails the test on error.
func AdminSetPassword(t testing.TB, c *cip.Client, poolID, username, password string) {
	t.Helper()
	in := &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(poolID),
		Username:   aws.String(username),
		Password:   aws.String(password),
		Permanent:  true,
	}
	_, err := c.AdminSetUserPassword(context.Background(), in)
	// Under load the SDK has twice been seen failing to read moto_server's
	// 200 answer to this call ("use of closed network
	// connection", twice in seven CI runs of this session). The call sets
	// the same password again, so a setup step may repeat it; an answer
	// from Cognito's API (an APIError) is never retried.
	var api smithy.APIError
	for try := 0; err != nil && !errors.As(err, &api) && try < 2; try++ {
		_, err = c.AdminSetUserPassword(context.Background(), in)
	}
	if err != nil {
		t.Fatalf("AdminSetUserPassword %q: %v", username, err)
	}
}

// CreateConfirmedUser creates username with a permanent password, ready to
// sign in with USER_PASSWORD_AUTH. It fails the test on error.
func CreateConfirmedUser(t testing.TB, c *cip.Client, poolID, username, password string, attrs map[string]string) {
	t.Helper()
	AdminCreateUser(t, c, poolID, username, password+"-Tmp1", attrs)
	AdminSetPassword(t, c, poolID, username, password)
}

// Attributes turns a map into Cognito attribute types, in sorted order.
func Attributes(attrs map[string]string) []types.AttributeType {
	if len(attrs) == 0 {
		return nil
	}
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	slices.Sort(names)
	out := make([]types.AttributeType, 0, len(names))
	for _, k := range names {
		out = append(out, types.AttributeType{Name: aws.String(k), Value: aws.String(attrs[k])})
	}
	return out
}
