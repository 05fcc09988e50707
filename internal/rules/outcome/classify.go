package outcome

import (
	"bytes"
	"strings"

	"github.com/tidwall/gjson"
)

// Kind is what Cognito's answer to one call says happened.
type Kind uint8

// The outcome kinds.
const (
	// Unclassified is an answer the accounting does not count.
	Unclassified Kind = iota
	// Success is a sign-in that returned tokens, or another call that
	// succeeded without sending a code.
	Success
	// WrongCredentials is NotAuthorizedException: a wrong password (or,
	// under PreventUserExistenceErrors, an unknown user).
	WrongCredentials
	// UnknownUser is UserNotFoundException.
	UnknownUser
	// BadCode is CodeMismatchException or ExpiredCodeException.
	BadCode
	// Throttled is TooManyRequestsException or LimitExceededException.
	Throttled
	// SMSSent is a success whose CodeDeliveryDetails.DeliveryMedium is SMS.
	SMSSent
	// EmailSent is a success whose CodeDeliveryDetails.DeliveryMedium is EMAIL.
	EmailSent
	// OtherError is any other error answer.
	OtherError
)

var kindNames = [...]string{"unclassified", "success", "wrong_credentials", "unknown_user", "bad_code", "throttled", "sms_sent", "email_sent", "other_error"}

// String returns the kind's name as logs and metrics write it, e.g.
// "wrong_credentials".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unclassified"
}

// Failure reports whether k is a failed attempt at a secret: a wrong
// password, an unknown user or a wrong code.
func (k Kind) Failure() bool { return k == WrongCredentials || k == UnknownUser || k == BadCode }

// ErrorType returns the bare Cognito error type of an x-amzn-ErrorType
// header or a body's __type in any of the forms Cognito and its emulators
// write: "NotAuthorizedException", "NotAuthorizedException:",
// "NotAuthorizedException:http://internal.amazon.com/coral/...",
// "com.amazonaws.cognito.identity.idp.model#NotAuthorizedException" and
// "aws.cognito.identity.idp#NotAuthorizedException:". It does not allocate.
func ErrorType(s string) string {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '#'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// Classify returns the outcome of Cognito's answer to op: status is the
// HTTP status, header the x-amzn-ErrorType header ("" when absent) and
// body the answer's body (nil when the caller did not read it). Errors are
// classified from header, or from the body's __type when header is
// empty; a success is read only for CodeDeliveryDetails.DeliveryMedium and
// the presence of AuthenticationResult. It does not allocate.
func Classify(op string, status int, header string, body []byte) Kind {
	if status >= 200 && status < 300 {
		return classifySuccess(op, body)
	}
	typ := ErrorType(header)
	if typ == "" && len(body) > 0 {
		typ = ErrorType(gjson.GetBytes(body, "__type").Str)
	}
	switch typ {
	case "NotAuthorizedException":
		return WrongCredentials
	case "UserNotFoundException":
		return UnknownUser
	case "CodeMismatchException", "ExpiredCodeException":
		return BadCode
	case "TooManyRequestsException", "LimitExceededException", "TooManyFailedAttemptsException":
		return Throttled
	}
	return OtherError
}

// authResultKey is what a token answer holds and no other answer does.
var authResultKey = []byte(`"AuthenticationResult"`)

func classifySuccess(op string, body []byte) Kind {
	switch op {
	case "SignUp", "ResendConfirmationCode", "ForgotPassword", "GetUserAttributeVerificationCode", "UpdateUserAttributes":
		switch gjson.GetBytes(body, "CodeDeliveryDetails.DeliveryMedium").Str {
		case "SMS":
			return SMSSent
		case "EMAIL":
			return EmailSent
		}
		if op == "UpdateUserAttributes" {
			// Its answer is CodeDeliveryDetailsList.
			for _, d := range gjson.GetBytes(body, "CodeDeliveryDetailsList.#.DeliveryMedium").Array() {
				if d.Str == "SMS" {
					return SMSSent
				}
			}
		}
		return Success
	case "InitiateAuth", "RespondToAuthChallenge", "AdminInitiateAuth", "AdminRespondToAuthChallenge":
		if bytes.Contains(body, authResultKey) {
			return Success
		}
		// A challenge (MFA, new password, SRP's verifier) is not yet a
		// sign-in: the password step of SRP proves nothing.
		return Unclassified
	}
	return Success
}
