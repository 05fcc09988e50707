package cognito

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/poolguard/poolguard/internal/edge/request"
)

// Replacement is the answer the proxy sends instead of an upstream answer
// that would reveal whether a user exists: either a Cognito error or a
// successful JSON body.
type Replacement struct {
	// Err is the error to answer; nil when Body is a success.
	Err *Error
	// Body is the 200 answer's JSON body when Err is nil.
	Body []byte
	// Relayed reports that the answer is the upstream's own (same status
	// and error type) in the replacements' encoding, not one made up.
	Relayed bool
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

// RebuildsAnswer reports whether the proxy rebuilds the upstream's answer
// (HTTP status, x-amzn-ErrorType without its colon) to request v for
// client c instead of relaying it, so that the answer for a user that
// exists and the one the proxy makes up for a user that does not leave
// through one writer (Replacement.Write) and differ in nothing but the
// request id: every error of the operations HideUserExistence covers, and
// the successes of ForgotPassword and ResendConfirmationCode (whose
// made-up form is a success). The caller then reads the body and passes it
// to RebuildAnswer.
func RebuildsAnswer(c *Client, v *request.View, status int, errType string) bool {
	if c == nil || !c.Protection.HideUserExistence {
		return false
	}
	switch v.Operation {
	case "InitiateAuth", "RespondToAuthChallenge", "ConfirmForgotPassword", "ConfirmSignUp":
		return status != http.StatusOK || errType != ""
	case "ForgotPassword", "ResendConfirmationCode":
		return true
	}
	return false
}

// RebuildAnswer returns the answer the proxy sends for an upstream answer
// RebuildsAnswer selected: HideUserExistence's replacement when the error
// reveals that the user does not exist; Cognito's generic
// NotAuthorizedException "Incorrect username or password." for any
// NotAuthorizedException to a password check (isPasswordCheck), whose
// other messages ("User is disabled.", "Password attempts exceeded") only
// an existing user can get; otherwise the same error (type, message,
// status) or the same code delivery, re-encoded the way the replacements
// are. It returns nil when body is not the JSON Cognito sends
// (the caller relays it as it is).
func RebuildAnswer(c *Client, v *request.View, status int, errType string, body []byte) *Replacement {
	if rep := HideUserExistence(c, v, errType); rep != nil {
		return rep
	}
	if errType == "NotAuthorizedException" && isPasswordCheck(v) {
		// Whatever Cognito's detail (a disabled user, too many attempts),
		// it exists only for users that exist: answer what an unknown
		// user gets.
		return &Replacement{Err: errIncorrectLogin, Relayed: true}
	}
	if status == http.StatusOK && errType == "" {
		var d struct {
			CodeDeliveryDetails *struct{ AttributeName, DeliveryMedium, Destination string }
		}
		if json.Unmarshal(body, &d) != nil || d.CodeDeliveryDetails == nil {
			return nil
		}
		cd := d.CodeDeliveryDetails
		return &Replacement{Body: deliveryJSON(cd.AttributeName, cd.DeliveryMedium, cd.Destination), Relayed: true}
	}
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"` // also matches Message
	}
	if json.Unmarshal(body, &e) != nil {
		return nil
	}
	if errType == "" {
		errType = e.Type[strings.LastIndexByte(e.Type, '#')+1:] // "namespace#Type" or "Type"
	}
	if !isErrorType(errType) || status < 400 || status > 599 {
		return nil
	}
	return &Replacement{Err: &Error{Status: status, Type: errType, Message: e.Message}, Relayed: true}
}

// isPasswordCheck reports whether v is a sign-in step that names a user
// and checks what they know: InitiateAuth with any flow but a refresh, or
// RespondToAuthChallenge to PASSWORD_VERIFIER.
func isPasswordCheck(v *request.View) bool {
	switch v.Operation {
	case "InitiateAuth":
		return v.AuthFlow != "REFRESH_TOKEN_AUTH" && v.AuthFlow != "REFRESH_TOKEN"
	case "RespondToAuthChallenge":
		return v.Parsed.Get("ChallengeName").String() == "PASSWORD_VERIFIER"
	}
	return false
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
	return deliveryJSON(attr, medium, dest)
}

// deliveryJSON encodes a CodeDeliveryDetails answer, the one encoding
// used for made-up and relayed deliveries alike.
func deliveryJSON(attr, medium, dest string) []byte {
	b := []byte(`{"CodeDeliveryDetails":{"AttributeName":`)
	b = appendJSONString(b, attr)
	b = append(b, `,"DeliveryMedium":`...)
	b = appendJSONString(b, medium)
	b = append(b, `,"Destination":`...)
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

// isErrorType reports whether s looks like a Cognito error code: ASCII
// letters and digits only.
func isErrorType(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}
