package hostedui

import (
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// isClientAuthPath reports whether path is an OAuth 2.0 endpoint that
// authenticates confidential clients: the token and revocation endpoints.
func isClientAuthPath(path string) bool {
	return path == tokenPath || path == revokePath
}

const (
	tokenPath  = "/oauth2/token"
	revokePath = "/oauth2/revoke"
)

// isForm reports whether the request body is application/x-www-form-urlencoded.
func isForm(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// isPlainUTF8Form reports whether the request body is
// application/x-www-form-urlencoded in UTF-8 (no charset, or charset
// UTF-8) and not content-encoded: the only body whose parameters the proxy
// reads the way the user pool domain does.
func isPlainUTF8Form(h http.Header) bool {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" || len(h.Values("Content-Type")) != 1 {
		return false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return false
	}
	for _, ce := range h.Values("Content-Encoding") {
		if !strings.EqualFold(strings.TrimSpace(ce), "identity") {
			return false
		}
	}
	return true
}

// addClientAuth adds client_secret_basic authentication to a token or
// revocation request of a client in secrets (the clients that opted in)
// when, and only when, the request is one a public client may make on its
// own behalf (see grantAllowsClientAuth). It reports whether it added it.
// The body is left as is: Cognito accepts client_id in the body alongside
// the Authorization header.
func addClientAuth(path, rawQuery string, h http.Header, body []byte, secrets map[string][]byte) bool {
	if len(secrets) == 0 || rawQuery != "" || len(h.Values("Authorization")) != 0 || !isPlainUTF8Form(h) {
		return false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || !singleValued(form) {
		return false
	}
	for _, k := range [...]string{"client_secret", "client_assertion", "client_assertion_type"} {
		if form.Has(k) {
			return false // the caller authenticates itself (or tries to)
		}
	}
	id := form.Get("client_id")
	secret, ok := secrets[id]
	if id == "" || !ok || len(secret) == 0 {
		return false
	}
	if path == tokenPath && !grantAllowsClientAuth(form) {
		return false
	}
	if path == revokePath && form.Get("token") == "" {
		return false
	}
	h.Set("Authorization", BasicAuth(id, secret))
	return true
}

// singleValued reports whether no parameter of form appears more than once.
// RFC 6749 section 3.2 forbids repeated parameters; a request that repeats
// one (two grant_type values, say) could be read one way by the proxy and
// another way by the user pool domain, so it gets no client
// authentication.
func singleValued(form url.Values) bool {
	for _, v := range form {
		if len(v) != 1 {
			return false
		}
	}
	return true
}

// grantAllowsClientAuth reports whether a token request is one the proxy
// may authenticate for a public client: the authorization code grant
// bound to a PKCE code_verifier (RFC 7636: only the party that started
// the flow can redeem the code), or the refresh token grant (only the
// holder of the refresh token can use it). Never client_credentials,
// which would hand the app client's own access to anyone, nor a code
// without a verifier, which would make a stolen code redeemable, nor any
// other or unknown grant type. Grant types are compared exactly, as RFC
// 6749 defines them.
func grantAllowsClientAuth(form url.Values) bool {
	switch form.Get("grant_type") {
	case "authorization_code":
		return form.Get("code") != "" && validVerifier(form.Get("code_verifier"))
	case "refresh_token":
		return form.Get("refresh_token") != ""
	}
	return false
}

// validVerifier reports whether v is a PKCE code verifier as RFC 7636
// section 4.1 defines it: 43 to 128 characters of [A-Za-z0-9-._~].
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// BasicAuth returns the Authorization header value of client_secret_basic
// as Cognito documents it: "Basic " + base64(client_id ":" client_secret).
// Cognito client ids and secrets are alphanumeric, so RFC 6749's
// form-encoding of both before joining them changes nothing.
func BasicAuth(clientID string, secret []byte) string {
	raw := make([]byte, 0, len(clientID)+1+len(secret))
	raw = append(append(append(raw, clientID...), ':'), secret...)
	return "Basic " + base64.StdEncoding.EncodeToString(raw)
}
