package breached

import (
	"crypto/sha1"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/tidwall/gjson"
)

// LabelBreached is the label a sign-in with a breached password gets.
const LabelBreached = "poolguard:credential:breached"

// Decision is what Check found. The zero value is "no password checked".
type Decision uint8

// Decisions.
const (
	// NotChecked: the request carries no password the proxy checks.
	NotChecked Decision = iota
	// Clean: the password is not in the filter.
	Clean
	// RefuseNew: a new password (SignUp, ConfirmForgotPassword,
	// ChangePassword, NEW_PASSWORD_REQUIRED) is breached; refuse it.
	RefuseNew
	// BreachedSignIn: a sign-in carries a breached password; label it.
	BreachedSignIn
)

// String returns the decision's metric label value.
func (d Decision) String() string {
	return [...]string{"not_checked", "clean", "refused", "breached_sign_in"}[d]
}

// Check looks up the password v carries, if any: a new password on
// SignUp and ConfirmForgotPassword (Password), ChangePassword
// (ProposedPassword) and the NEW_PASSWORD_REQUIRED answer
// (ChallengeResponses.NEW_PASSWORD), or a sign-in password
// (InitiateAuth AuthParameters.PASSWORD; the PASSWORD challenge answer).
// SRP sign-ins send no password and are never checked. The password is
// hashed once and not kept. A nil filter checks nothing.
func Check(v *request.View, f *Filter) Decision {
	if f == nil || !v.BodyValidJSON {
		return NotChecked
	}
	var pw gjson.Result
	signIn := false
	switch v.Operation {
	case "SignUp", "ConfirmForgotPassword":
		pw = v.JSON("Password")
	case "ChangePassword":
		pw = v.JSON("ProposedPassword")
	case "RespondToAuthChallenge":
		switch v.JSON("ChallengeName").Str {
		case "NEW_PASSWORD_REQUIRED":
			pw = v.JSON("ChallengeResponses.NEW_PASSWORD")
		case "PASSWORD", "SELECT_CHALLENGE":
			pw, signIn = v.JSON("ChallengeResponses.PASSWORD"), true
		}
	case "InitiateAuth":
		pw, signIn = v.JSON("AuthParameters.PASSWORD"), true
	}
	if pw.Type != gjson.String || pw.Str == "" {
		return NotChecked
	}
	h := sha1.Sum(unsafeBytes(pw.Str))
	switch {
	case !f.ContainsHash(&h):
		return Clean
	case signIn:
		return BreachedSignIn
	}
	return RefuseNew
}
