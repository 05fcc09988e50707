package waflog

import (
	"fmt"
	"net/http"
	"strings"
)

// DefaultHeaders are the request headers logged when none are configured:
// enough to see who calls what, and nothing that carries a credential.
var DefaultHeaders = []string{
	"Host", "User-Agent", "X-Amz-Target", "Content-Type", "Origin", "Referer",
	"X-Forwarded-For", "Accept-Language",
}

// Redacted replaces the value of a query or Referer parameter whose name
// suggests a secret.
const Redacted = "REDACTED"

// deniedHeaderWords are substrings of header names that carry credentials.
// A header whose lower-cased name contains one can never be logged.
var deniedHeaderWords = []string{
	"authorization", "cookie", "token", "secret", "password", "passwd",
	"session", "credential", "api-key", "apikey", "signature", "x-amz-security",
}

// secretParamWords are substrings of query parameter names whose values are
// replaced by Redacted: OAuth codes and tokens, passwords, SigV4 query
// signing, SAML assertions.
var secretParamWords = []string{
	"token", "secret", "password", "passwd", "session", "signature",
	"credential", "assertion", "code", "key", "samlresponse",
}

// SensitiveHeader reports whether a header named name may carry a
// credential and so must never be logged.
func SensitiveHeader(name string) bool {
	return containsAnyFold(name, deniedHeaderWords)
}

func sensitiveParam(name string) bool {
	return containsAnyFold(name, secretParamWords)
}

// containsAnyFold reports whether s contains one of the lower-case words,
// ignoring ASCII case. It does not allocate.
func containsAnyFold(s string, words []string) bool {
	for _, w := range words {
		if len(w) > len(s) {
			continue
		}
		for i := 0; i+len(w) <= len(s); i++ {
			if equalFoldASCII(s[i:i+len(w)], w) {
				return true
			}
		}
	}
	return false
}

func equalFoldASCII(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// headerSpec is one allowed header: its canonical key in http.Header and
// the lower-case name logged.
type headerSpec struct {
	canon, lower string
	// urlLike values (Referer, Origin) have their parameters redacted.
	urlLike bool
}

// compileHeaders checks and normalises the allow list. A header that may
// carry a credential is an error, not silently dropped: the operator asked
// for something the log will not do.
func compileHeaders(names []string) ([]headerSpec, error) {
	if names == nil {
		names = DefaultHeaders
	}
	var specs []headerSpec
	var bad []string
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			bad = append(bad, `"" (empty name)`)
			continue
		}
		if SensitiveHeader(n) {
			bad = append(bad, fmt.Sprintf("%q (may carry a credential)", n))
			continue
		}
		canon := http.CanonicalHeaderKey(n)
		if seen[canon] {
			continue
		}
		seen[canon] = true
		specs = append(specs, headerSpec{
			canon:   canon,
			lower:   strings.ToLower(canon),
			urlLike: canon == "Referer" || canon == "Origin",
		})
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("waflog: headers that cannot be logged: %s", strings.Join(bad, ", "))
	}
	return specs, nil
}

// appendRedactedQuery appends the escaped contents of a query string (no
// quotes), with the values of secret-looking parameters replaced.
func appendRedactedQuery(dst []byte, q string) []byte {
	for {
		part, rest, more := strings.Cut(q, "&")
		dst = appendRedactedParam(dst, part)
		if !more {
			return dst
		}
		dst = append(dst, '&')
		q = rest
	}
}

func appendRedactedParam(dst []byte, part string) []byte {
	k, _, hasValue := strings.Cut(part, "=")
	if hasValue && sensitiveParam(k) {
		dst = appendEscaped(dst, k)
		dst = append(dst, '=')
		return append(dst, Redacted...)
	}
	return appendEscaped(dst, part)
}

// appendRedactedURL appends the escaped contents of a URL (a Referer or
// Origin value) with secret-looking parameters in its query and fragment
// redacted (implicit-grant tokens travel in the fragment).
func appendRedactedURL(dst []byte, u string) []byte {
	i := strings.IndexAny(u, "?#")
	if i < 0 {
		return appendEscaped(dst, u)
	}
	dst = appendEscaped(dst, u[:i+1])
	rest := u[i+1:]
	if u[i] == '?' {
		q, frag, hasFrag := strings.Cut(rest, "#")
		dst = appendRedactedQuery(dst, q)
		if !hasFrag {
			return dst
		}
		dst = append(dst, '#')
		rest = frag
	}
	return appendRedactedQuery(dst, rest)
}
