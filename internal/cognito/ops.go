// Package cognito holds what poolguard knows about the Amazon Cognito user
// pools API: the operation table, the secret hash, the request rewrites and
// Cognito-shaped errors.
package cognito

// TargetPrefix is the X-Amz-Target prefix of every user pools operation.
const TargetPrefix = "AWSCognitoIdentityProviderService."

// Class says how Cognito authorises an operation.
type Class uint8

// Operation classes.
const (
	// Public operations are unauthenticated; with an app client secret they
	// need the secret (hash) that the proxy adds.
	Public Class = iota + 1
	// TokenAuth operations are authorised by an access token or a session.
	TokenAuth
	// IAM operations are signed with AWS credentials (SigV4). Apps never
	// call them; the proxy refuses them by default.
	IAM
)

// String returns the class name used in config and logs.
func (c Class) String() string {
	switch c {
	case Public:
		return "public"
	case TokenAuth:
		return "token"
	case IAM:
		return "iam"
	}
	return "unknown"
}

// Secret says where an operation carries the app client secret.
type Secret uint8

// Secret placements.
const (
	// NoSecret: the operation carries no client secret.
	NoSecret Secret = iota
	// TopLevelHash: top-level "SecretHash" over "Username".
	TopLevelHash
	// AuthParamsHash: "AuthParameters.SECRET_HASH" over "AuthParameters.USERNAME".
	AuthParamsHash
	// ChallengeHash: "ChallengeResponses.SECRET_HASH" over "ChallengeResponses.USERNAME".
	ChallengeHash
	// RawSecret: top-level "ClientSecret", the secret itself.
	RawSecret
)

// ActionCategory is the rate-limit category of the tables of the AWS Security Blog article "Protect your Amazon Cognito user pool with AWS WAF".
type ActionCategory string

// Action categories.
const (
	UserCreation    ActionCategory = "UserCreation"
	SignIn          ActionCategory = "SignIn"
	AccountRecovery ActionCategory = "AccountRecovery"
	DefaultCategory ActionCategory = "Default"
)

// Operation describes one user pools API operation.
type Operation struct {
	// Name is the operation name, e.g. "SignUp".
	Name string
	// Class is how Cognito authorises it.
	Class Class
	// Quota is the Cognito request-rate quota category, e.g. "UserCreation".
	Quota string
	// Category is the action category used by the rate rules.
	Category ActionCategory
	// Secret is where the client secret goes.
	Secret Secret
}

// Lookup returns the operation named name and reports whether it is known.
func Lookup(name string) (*Operation, bool) {
	op, ok := operations[name]
	return op, ok
}

// Operations returns every known operation, in no particular order. The
// returned values must not be modified.
func Operations() []*Operation {
	out := make([]*Operation, 0, len(operations))
	for _, op := range operations {
		out = append(out, op)
	}
	return out
}

// OperationFromTarget returns the operation name in an X-Amz-Target value,
// or "" when the target does not name a user pools operation.
func OperationFromTarget(target string) string {
	if len(target) <= len(TargetPrefix) || target[:len(TargetPrefix)] != TargetPrefix {
		return ""
	}
	return target[len(TargetPrefix):]
}
