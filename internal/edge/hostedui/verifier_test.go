package hostedui

import (
	"net/http"
	"strings"
	"testing"
)

// TestValidVerifier: a PKCE code verifier is 43 to 128 characters of
// [A-Za-z0-9-._~] (RFC 7636 section 4.1). Each end of each range is
// accepted and the character just outside it refused, so the proxy adds
// the client secret only to a well-formed PKCE exchange.
func TestValidVerifier(t *testing.T) {
	base := strings.Repeat("k", 42)
	for _, c := range "azAZ09-._~" {
		if !validVerifier(base + string(c)) {
			t.Errorf("verifier ending in %q refused", c)
		}
	}
	for _, c := range "`{@[/:+= \x00\x7f" {
		if validVerifier(base + string(c)) {
			t.Errorf("verifier ending in %q accepted", c)
		}
	}
	for n, ok := range map[int]bool{0: false, 42: false, 43: true, 128: true, 129: false} {
		if got := validVerifier(strings.Repeat("a", n)); got != ok {
			t.Errorf("%d characters: %v, want %v", n, got, ok)
		}
	}
}

// TestIsForm: the client id is read from the body of a form only, and a
// form whose media type has a malformed parameter is not read as one.
func TestIsForm(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/x-www-form-urlencoded":                true,
		"Application/X-WWW-Form-URLEncoded; charset=UTF-8": true,
		"application/x-www-form-urlencoded; charset":       false,
		"application/json":                                 false,
		"text/plain":                                       false,
		"":                                                 false,
	} {
		if got := isForm(http.Header{"Content-Type": {ct}}); got != want {
			t.Errorf("isForm(%q) = %v, want %v", ct, got, want)
		}
	}
}

// TestBasicAuth: client_secret_basic is "Basic " and the base64 of id ":"
// secret, for any id and secret, empty ones included.
func TestBasicAuth(t *testing.T) {
	for _, tc := range []struct{ id, secret, want string }{
		{"c1", "s1", "Basic YzE6czE="},
		{"", "", "Basic Og=="},
		{"a", "", "Basic YTo="},
	} {
		if got := BasicAuth(tc.id, []byte(tc.secret)); got != tc.want {
			t.Errorf("BasicAuth(%q, %q) = %q, want %q", tc.id, tc.secret, got, tc.want)
		}
	}
}
