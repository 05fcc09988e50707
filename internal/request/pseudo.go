package request

import (
	"net/http"
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
	// HeaderPhone is the phone_number attribute of SignUp or
	// UpdateUserAttributes, normalised to E.164 ("+" and digits).
	HeaderPhone = "x-poolguard-phone"
	// HeaderPhoneCC is that number's country calling code with its "+",
	// e.g. "+44".
	HeaderPhoneCC = "x-poolguard-phone-cc"
	// HeaderClientID is the app client id (the same value as AWS's
	// x-amzn-cognito-client-id).
	HeaderClientID = "x-poolguard-client-id"
)

// IsPersonalHeader reports whether name is a pseudo-header whose value is
// personal data (user name, phone number). Rate-based rules store such keys
// only as keyed hashes.
func IsPersonalHeader(name string) bool {
	return strings.EqualFold(name, HeaderUsername) || strings.EqualFold(name, HeaderPhone)
}

// pseudoHeader answers poolguard's pseudo-headers; ok is false for any
// other x-poolguard- name, which is then looked up as a real header.
func (v *View) pseudoHeader(name string) (string, bool) {
	switch http.CanonicalHeaderKey(name) {
	case "X-Poolguard-Username":
		return strings.ToLower(v.Username), true
	case "X-Poolguard-Phone":
		return NormalizePhone(v.Phone), true
	case "X-Poolguard-Phone-Cc":
		return CallingCode(NormalizePhone(v.Phone)), true
	case "X-Poolguard-Client-Id":
		return v.ClientID, true
	}
	return "", false
}

// NormalizePhone returns s in E.164 form: a "+" followed by its digits,
// with spaces, dots, dashes and parentheses removed. It returns "" when s
// does not start with "+" or holds any other character, as Cognito
// requires phone_number in E.164.
func NormalizePhone(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '+' {
		return ""
	}
	clean := true
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 1, len(s))
	b[0] = '+'
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			b = append(b, c)
		case c == ' ' || c == '.' || c == '-' || c == '(' || c == ')':
		default:
			return ""
		}
	}
	if len(b) < 2 {
		return ""
	}
	return string(b)
}

// CallingCode returns the ITU-T E.164 country calling code of the E.164
// number e164 with its "+" (e.g. "+1", "+44", "+351"), or "" if e164 is not
// in E.164 form. Calling codes are prefix-free: "1" and "7" are the only
// one-digit codes, twoDigitCodes lists the two-digit ones, and every other
// code has three digits (ITU-T E.164 Annex to Operational Bulletin, "List of
// ITU-T Recommendation E.164 assigned country codes").
func CallingCode(e164 string) string {
	if len(e164) < 2 || e164[0] != '+' {
		return ""
	}
	d := e164[1:]
	switch {
	case d[0] == '1' || d[0] == '7':
		return e164[:2]
	case len(d) >= 2 && twoDigitCodes[d[:2]]:
		return e164[:3]
	case len(d) >= 3:
		return e164[:4]
	}
	return ""
}

// twoDigitCodes are the two-digit country calling codes.
var twoDigitCodes = map[string]bool{
	"20": true, "27": true,
	"30": true, "31": true, "32": true, "33": true, "34": true, "36": true, "39": true,
	"40": true, "41": true, "43": true, "44": true, "45": true, "46": true, "47": true, "48": true, "49": true,
	"51": true, "52": true, "53": true, "54": true, "55": true, "56": true, "57": true, "58": true,
	"60": true, "61": true, "62": true, "63": true, "64": true, "65": true, "66": true,
	"81": true, "82": true, "84": true, "86": true,
	"90": true, "91": true, "92": true, "93": true, "94": true, "95": true, "98": true,
}
