package request

import (
	"net/http"
	"strconv"
	"strings"
)

// Poolguard's pseudo-headers. AWS WAF never sees a Cognito request's
// user name or phone number; the proxy does, and exposes them to the web
// ACL as headers the client cannot set (a client's own header of the same
// name is ignored), so that rate-based rules can aggregate on them with a
// CUSTOM_KEYS Header key.
const (
	// HeaderUsername is the request's user name (Username,
	// AuthParameters.USERNAME or ChallengeResponses.USERNAME) in lower case.
	HeaderUsername = "x-poolguard-username"
	// HeaderPhone is the phone number the request can make the pool text
	// (View.Phone), in E.164 form.
	HeaderPhone = "x-poolguard-phone"
	// HeaderPhoneCC is that number's country calling code with its "+",
	// e.g. "+44".
	HeaderPhoneCC = "x-poolguard-phone-cc"
	// HeaderPhoneRegion is that number's ISO 3166-1 alpha-2 region, e.g.
	// "JM", or "001" for a non-geographic number.
	HeaderPhoneRegion = "x-poolguard-phone-region"
	// HeaderSubject is the access token's sub claim on a token-authorised
	// call that can send an SMS (View.Subject).
	HeaderSubject = "x-poolguard-subject"
	// HeaderEmail is the e-mail address the request names, normalised
	// (View.Email): one mailbox, one key.
	HeaderEmail = "x-poolguard-email"
	// HeaderClientID is the app client id (the same value as AWS's
	// x-amzn-cognito-client-id).
	HeaderClientID = "x-poolguard-client-id"
)

// IsPersonalHeader reports whether name is a pseudo-header whose value is
// personal data (user name, phone number, token subject, e-mail). Rate-based rules
// store such keys only as keyed hashes.
func IsPersonalHeader(name string) bool {
	return strings.EqualFold(name, HeaderUsername) || strings.EqualFold(name, HeaderPhone) ||
		strings.EqualFold(name, HeaderSubject) || strings.EqualFold(name, HeaderEmail)
}

// pseudoHeader answers poolguard's pseudo-headers; ok is false for any
// other x-poolguard- name, which is then looked up as a real header.
func (v *View) pseudoHeader(name string) (string, bool) {
	switch http.CanonicalHeaderKey(name) {
	case "X-Poolguard-Username":
		if v.UserID != 0 {
			return "user:" + strconv.FormatUint(v.UserID, 16), true
		}
		return strings.ToLower(v.Username), true
	case "X-Poolguard-Phone":
		return v.Phone, true
	case "X-Poolguard-Phone-Cc":
		return v.PhoneCC, true
	case "X-Poolguard-Phone-Region":
		return v.PhoneRegion, true
	case "X-Poolguard-Subject":
		return v.Subject, true
	case "X-Poolguard-Email":
		return v.Email, true
	case "X-Poolguard-Client-Id":
		return v.ClientID, true
	}
	return "", false
}
