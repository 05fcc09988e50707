package hostedui

import (
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
)

// isClientAuthPath reports whether path is an OAuth 2.0 endpoint that
// authenticates confidential clients: the token and revocation endpoints.
func isClientAuthPath(path string) bool {
	return path == "/oauth2/token" || path == "/oauth2/revoke"
}

// isForm reports whether the request body is application/x-www-form-urlencoded.
func isForm(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// addClientAuth adds client_secret_basic authentication to a token or
// revocation request whose form body names a client in secrets and which
// carries no client authentication of its own (no Authorization header, no
// client_secret field, no client_assertion). It reports whether it added
// it. The body is left as is: Cognito accepts client_id in the body
// alongside the Authorization header.
func addClientAuth(h http.Header, body []byte, secrets map[string][]byte) bool {
	if len(secrets) == 0 || h.Get("Authorization") != "" || !isForm(h) {
		return false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Has("client_secret") || form.Has("client_assertion") {
		return false
	}
	id := form.Get("client_id")
	secret, ok := secrets[id]
	if id == "" || !ok || len(secret) == 0 {
		return false
	}
	h.Set("Authorization", BasicAuth(id, secret))
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
