package cognito

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/poolguard/poolguard/internal/request"
)

// Replacement is the answer the proxy sends instead of an upstream answer
// that would reveal whether a user exists: either a Cognito error or a
// successful JSON body.
type Replacement struct {
	// Err is the error to answer; nil when Body is a success.
	Err *Error
	// Body is the 200 answer's JSON body when Err is nil.
	Body []byte
}

// Generic answers Cognito gives with PreventUserExistenceErrors ENABLED.
var (
	errIncorrectLogin = &Error{http.StatusBadRequest, "NotAuthorizedException", "Incorrect username or password."}
	errCodeMismatch   = &Error{http.StatusBadRequest, "CodeMismatchException", "Invalid verification code provided, please try again."}
)

// HideUserExistence returns the answer that replaces an upstream error of
// type errType (x-amzn-ErrorType without its colon) to request v, when
// client c hides user existence and the error would reveal it; otherwise
// nil. The answers are those Cognito documents for an app client with
// PreventUserExistenceErrors ENABLED:
//
//   - InitiateAuth, RespondToAuthChallenge: UserNotFoundException (and,
//     for imported users, PasswordResetRequiredException) become
//     NotAuthorizedException "Incorrect username or password.".
//   - ForgotPassword, ResendConfirmationCode: UserNotFoundException becomes
//     a success whose CodeDeliveryDetails name a simulated destination.
//   - ConfirmForgotPassword, ConfirmSignUp: UserNotFoundException becomes
//     CodeMismatchException.
//
// SignUp's UsernameExistsException is left alone, as Cognito leaves it:
// hiding it would tell a real user who signs up twice that a code is on its
// way when none is.
func HideUserExistence(c *Client, v *request.View, errType string) *Replacement {
	if c == nil || !c.Protection.HideUserExistence || errType == "" {
		return nil
	}
	switch {
	case errType == "UserNotFoundException":
	case errType == "PasswordResetRequiredException" && (v.Operation == "InitiateAuth" || v.Operation == "RespondToAuthChallenge"):
	default:
		return nil
	}
	switch v.Operation {
	case "InitiateAuth", "RespondToAuthChallenge":
		return &Replacement{Err: errIncorrectLogin}
	case "ConfirmForgotPassword", "ConfirmSignUp":
		return &Replacement{Err: errCodeMismatch}
	case "ForgotPassword", "ResendConfirmationCode":
		return &Replacement{Body: simulatedDelivery(v.Username)}
	}
	return nil
}

// Write sends r in Cognito's shape and returns the status and the error
// type ("" for a success) for the access log.
func (r *Replacement) Write(w http.ResponseWriter, requestID string) (status int, errType string) {
	if r.Err != nil {
		WriteError(w, requestID, r.Err)
		return r.Err.Status, r.Err.Type
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("X-Amzn-Requestid", requestID)
	h.Set("Content-Length", strconv.Itoa(len(r.Body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(r.Body)
	return http.StatusOK, ""
}

// simulatedDelivery returns the CodeDeliveryDetails answer for a user that
// does not exist. The medium follows the user name's format, as Cognito's
// does: a phone number gets SMS, anything else EMAIL, masked the way
// Cognito masks real destinations.
func simulatedDelivery(username string) []byte {
	medium, attr, dest := "EMAIL", "email", maskEmail(username)
	if isPhone(username) {
		medium, attr, dest = "SMS", "phone_number", "+*******"+username[len(username)-4:]
	}
	b := []byte(`{"CodeDeliveryDetails":{"AttributeName":"` + attr + `","DeliveryMedium":"` + medium + `","Destination":`)
	b = appendJSONString(b, dest)
	return append(b, "}}"...)
}

// maskEmail masks an address as Cognito does, "u***@e***"; a user name that
// is not an address is masked as if it were one.
func maskEmail(s string) string {
	local, domain, _ := strings.Cut(s, "@")
	return first(local, 'u') + "***@" + first(domain, 'e') + "***"
}

func first(s string, def byte) string {
	if s == "" || s[0] >= 0x80 {
		return string(def)
	}
	return s[:1]
}

// isPhone reports whether s is an E.164 number, "+" and 5 to 15 digits.
func isPhone(s string) bool {
	if len(s) < 6 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
