// Package request holds the parsed view of one client request that every
// stage of the pipeline reads: the web ACL, the Cognito rewrite, the log and
// the metrics. The view is built once per request by the proxy; nothing after
// that re-reads the socket or re-parses the body.
package request

import (
	"net/http"
	"net/netip"

	"github.com/tidwall/gjson"
)

// View is the parsed view of one client request.
//
// A View is built by the proxy and then only read; it is not safe for
// concurrent mutation. The zero value is an empty request.
type View struct {
	// Method is the HTTP method, e.g. "POST".
	Method string
	// Path is the URI path as received, e.g. "/".
	Path string
	// RawQuery is the query string without the leading '?'.
	RawQuery string
	// Proto is the protocol version, e.g. "HTTP/1.1".
	Proto string
	// Host is the Host header (or :authority) the client used.
	Host string
	// Scheme is "http" or "https" as seen by the listener.
	Scheme string
	// Header holds the request headers with canonical keys.
	Header http.Header
	// Body is the request body exactly as received (bounded by the body limit).
	Body []byte
	// BodyValidJSON reports whether Body parsed as a JSON value.
	BodyValidJSON bool
	// Parsed is the body as a parsed JSON value (a copy of Body, so the
	// strings read from it stay valid after Body's buffer is reused); set
	// with BodyValidJSON.
	Parsed gjson.Result

	// Target is the raw X-Amz-Target header value.
	Target string
	// Operation is the Cognito operation named by Target, e.g. "SignUp";
	// empty when Target does not name an AWSCognitoIdentityProviderService operation.
	Operation string
	// ClientID is the app client id from the body (top-level "ClientId").
	ClientID string
	// UserPool is the user pool the call is for: its listed app client's,
	// else the pool of every client the proxy serves; empty when neither
	// is known (an unlisted client passed through). The attack protection
	// keys its user counts on it, so that one user name in two pools is
	// two users.
	UserPool string
	// Username is the user name the request is about, from "Username",
	// "AuthParameters.USERNAME" or "ChallengeResponses.USERNAME"; empty if none.
	Username string
	// AuthFlow is InitiateAuth's "AuthFlow"; empty otherwise.
	AuthFlow string

	// PeerIP is the address of the TCP peer.
	PeerIP netip.Addr
	// ClientIP is the client address as determined from the peer and,
	// for trusted peers, X-Forwarded-For.
	ClientIP netip.Addr
	// ForwardedIP is the left-most parseable X-Forwarded-For address, if
	// any (AWS WAF's FORWARDED_IP with FallbackBehavior), regardless of trust.
	ForwardedIP netip.Addr
	// Country is the ISO 3166-1 alpha-2 country code of ClientIP, or "XX"
	// when unknown.
	Country string
	// RequestID is the id the proxy assigned (sent as x-amzn-RequestId).
	RequestID string

	// Phone is the phone number in E.164 form that the request can make
	// the pool send an SMS to (a phone_number attribute, or a user name
	// that is a phone number); empty when the request names none. The
	// phone stage (package phone) fills it and the three fields below.
	Phone string
	// PhoneCC is Phone's country calling code with its "+", e.g. "+44".
	PhoneCC string
	// PhoneRegion is the ISO 3166-1 alpha-2 region of Phone (e.g. "JM"
	// for +1 876), or "001" for a non-geographic number.
	PhoneRegion string
	// Subject is the sub claim of the access token of a token-authorised
	// call that can send an SMS (GetUserAttributeVerificationCode and
	// UpdateUserAttributes of phone_number); empty otherwise.
	Subject string
	// Email is the e-mail address the request names (the email attribute
	// of SignUp or UpdateUserAttributes, else an e-mail user name),
	// normalised by package email for per-address limits; empty if none.
	Email string
	// EmailDomain is Email's domain, in ASCII.
	EmailDomain string
	// Hygiene is what the sign-up hygiene checks decided, for metrics (no
	// personal data).
	Hygiene Hygiene
	// UserID is the keyed hash of the resolved user the request names,
	// set by the attack protection (package outcome), which learns from
	// successful sign-ins which names (email, sub, user name) are aliases
	// of one user; 0 when not tracked. Per-username rate keys
	// (x-poolguard-username) use it, so every alias shares one count.
	UserID uint64
	// Labels are the labels the signals stage found for the request (IP
	// reputation lists, geo, bot signals). The web ACL starts every
	// evaluation with them, so its first rule can match them.
	Labels []string
}

// JSON returns the body field at the gjson path p. The result's Exists
// method reports whether the field is present.
func (v *View) JSON(p string) gjson.Result {
	if !v.BodyValidJSON {
		return gjson.Result{}
	}
	if v.Parsed.Raw != "" {
		return v.Parsed.Get(p)
	}
	return gjson.GetBytes(v.Body, p)
}

// HeaderValue returns the first value of the header named name, matching
// the name case-insensitively. It also answers the pseudo-headers that AWS
// WAF exposes for a web ACL attached to a user pool:
// x-amzn-cognito-operation-name and x-amzn-cognito-client-id, and
// poolguard's own (see PseudoHeader).
func (v *View) HeaderValue(name string) (string, bool) {
	if len(name) > 12 && (name[:12] == "x-poolguard-" || name[:12] == "X-Poolguard-" || name[:12] == "X-POOLGUARD-") {
		if s, ok := v.pseudoHeader(name); ok {
			return s, s != ""
		}
	}
	if len(name) > 13 && (name[:13] == "x-amzn-cognit" || name[:13] == "X-Amzn-Cognit" || name[:13] == "X-AMZN-COGNIT") {
		switch http.CanonicalHeaderKey(name) {
		case "X-Amzn-Cognito-Operation-Name":
			return v.Operation, v.Operation != ""
		case "X-Amzn-Cognito-Client-Id":
			return v.ClientID, v.ClientID != ""
		}
	}
	vals, ok := v.Header[name]
	if !ok {
		vals, ok = v.Header[http.CanonicalHeaderKey(name)]
	}
	if !ok || len(vals) == 0 {
		return "", false
	}
	return vals[0], true
}

// Hygiene records the decisions of the sign-up hygiene checks on one
// request; each field is "" when its check did not run.
type Hygiene struct {
	// Password is the breached-password check's decision: clean, refused
	// or breached_sign_in.
	Password string
	// Phone is what the phone stage found: the line type of a named number
	// (mobile, premium-rate, ...), "stored" for the user's stored number,
	// or "invalid".
	Phone string
	// Email is the disposable e-mail check's decision: clean or
	// disposable.
	Email string
}
