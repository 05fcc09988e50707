package hostedui

import (
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
