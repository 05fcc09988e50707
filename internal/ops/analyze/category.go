package analyze

import "bytes"

// Category is an action category of AWS's article "Protect your Amazon Cognito user pool with AWS WAF".
type Category uint8

// The categories, in the order that article's query sorts them (by name).
const (
	AccountRecovery Category = iota
	Default
	IPReputation
	SignIn
	UserCreation
	numCategories
)

var categoryNames = [numCategories]string{"AccountRecovery", "Default", "IPReputation", "SignIn", "UserCreation"}

// String returns the category's name as that article's query writes it.
func (c Category) String() string { return categoryNames[c] }

// RateLimitParam returns the cognito-categories preset parameter that sets
// the category's limit.
func (c Category) RateLimitParam() string { return categoryNames[c] + "RateLimit" }

const targetPrefix = "AWSCognitoIdentityProviderService."

// categorize reproduces the article's CASE: IP reputation labels first, then
// the X-Amz-Target operation, then the Hosted UI path, else Default.
//
// One difference: the query's LEFT JOIN UNNEST counts a request once per
// matching label or x-amz-target header; here every request counts once.
func categorize(r *record) Category {
	if r.ipRep {
		return IPReputation
	}
	op, ok := bytes.CutPrefix(r.target, []byte(targetPrefix))
	if r.trail {
		op, ok = r.operation, true // CloudTrail's eventName
	}
	if ok {
		switch string(op) {
		case "InitiateAuth", "RespondToAuthChallenge":
			return SignIn
		case "ResendConfirmationCode", "SignUp", "ConfirmSignUp":
			return UserCreation
		case "ForgotPassword", "ConfirmForgotPassword":
			return AccountRecovery
		}
	}
	switch string(r.uri) {
	case "/login", "/oauth2/authorize":
		return SignIn
	case "/signup", "/confirmUser", "/resendcode":
		return UserCreation
	case "/forgotPassword", "/confirmForgotPassword":
		return AccountRecovery
	}
	return Default
}

// operation returns the Cognito operation of r: poolguard's own field, or
// the X-Amz-Target suffix in AWS's logs.
func operation(r *record) []byte {
	if len(r.operation) > 0 {
		return r.operation
	}
	if op, ok := bytes.CutPrefix(r.target, []byte(targetPrefix)); ok {
		return op
	}
	return nil
}
