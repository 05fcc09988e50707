package config

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
)

// DecisionHook asks an external service (a fraud or bot engine) about the
// listed operations after the web ACL has allowed them.
type DecisionHook struct {
	// URL receives a POST with a JSON description of each request.
	URL URL `yaml:"url"`
	// Timeout bounds one call, connection included; default 150ms.
	Timeout time.Duration `yaml:"timeout"`
	// OnError is what a timeout, an error or a full concurrency limit
	// decides: "allow" (default) or "block".
	OnError HookFailure `yaml:"on_error"`
	// Operations are the Cognito operations sent to the hook, e.g. SignUp.
	Operations []string `yaml:"operations"`
	// SendHeaders are request headers sent to the hook, e.g. User-Agent.
	SendHeaders []string `yaml:"send_headers"`
	// BodyFields are request body fields (dotted paths such as
	// "UserAttributes" or "ClientMetadata.campaign") sent to the hook.
	// Secret fields are refused (see SecretField).
	BodyFields []string `yaml:"body_fields"`
	// MaxConcurrency bounds calls in flight; when they are all busy a
	// request is decided by OnError at once. Default 64.
	MaxConcurrency int `yaml:"max_concurrency"`
}

// HookFailure is what a decision hook that does not answer decides.
type HookFailure string

// Decisions of a hook that does not answer.
const (
	// HookAllow lets the request go on (the default).
	HookAllow HookFailure = "allow"
	// HookBlock refuses it.
	HookBlock HookFailure = "block"
)

// UnmarshalText accepts allow or block.
func (f *HookFailure) UnmarshalText(b []byte) error { return oneOf(f, b, HookAllow, HookBlock) }

// Decision hook defaults.
const (
	DefaultHookTimeout     = 150 * time.Millisecond
	DefaultHookConcurrency = 64
)

func hookDefaults(c *Config) {
	if h := c.DecisionHook; h != nil {
		setDefault(&h.Timeout, DefaultHookTimeout)
		setDefault(&h.OnError, HookAllow)
		setDefault(&h.MaxConcurrency, DefaultHookConcurrency)
	}
}

// fieldPathRe is a dotted body path without gjson wildcards or modifiers.
var fieldPathRe = regexp.MustCompile(`^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$`)

func (v *validator) hook(h *DecisionHook) {
	if h == nil {
		return
	}
	if h.URL.IsZero() { // a bad URL was reported where it was decoded
		v.add("decision_hook.url", "set the URL of the decision service")
	}
	if h.Timeout < 0 || h.Timeout > 10*time.Second {
		v.add("decision_hook.timeout", "%v is outside 0..10s", h.Timeout)
	}
	if len(h.Operations) == 0 {
		v.add("decision_hook.operations", "list the operations to send, e.g. [SignUp, InitiateAuth]")
	}
	for i, op := range h.Operations {
		if _, ok := cognito.Lookup(op); !ok {
			v.add(fmt.Sprintf("decision_hook.operations[%d]", i), "unknown Cognito operation %q", op)
		}
	}
	for i, name := range h.SendHeaders {
		key := fmt.Sprintf("decision_hook.send_headers[%d]", i)
		if SecretHeader(name) {
			v.add(key, "%q carries credentials and is never sent to the hook", name)
		} else if !fieldPathRe.MatchString(name) || strings.Contains(name, ".") {
			v.add(key, "%q is not a header name", name)
		}
	}
	for i, f := range h.BodyFields {
		key := fmt.Sprintf("decision_hook.body_fields[%d]", i)
		if !fieldPathRe.MatchString(f) {
			v.add(key, "%q is not a dotted field path (no wildcards or modifiers)", f)
		} else if SecretField(f) {
			v.add(key, "%q is or may hold a password, token, code or secret and is never sent to the hook", f)
		}
	}
	if h.MaxConcurrency < 1 || h.MaxConcurrency > 4096 {
		v.add("decision_hook.max_concurrency", "%d is outside 1..4096", h.MaxConcurrency)
	}
}

// secretHeaders carry credentials.
var secretHeaders = map[string]bool{
	"Authorization": true, "Proxy-Authorization": true, "Cookie": true,
	"X-Amz-Security-Token": true, "X-Api-Key": true,
}

// SecretHeader reports whether the header named name carries credentials.
func SecretHeader(name string) bool { return secretHeaders[http.CanonicalHeaderKey(name)] }

// secretWords are body field names that hold secrets, lower-cased.
var secretWords = map[string]bool{
	"srp_a": true, "srp_b": true, "salt": true, "answer": true,
	"secret_block": true, "verifier": true, "otp": true,
	"authparameters": true, "challengeresponses": true,
}

// secretParts are substrings of body field names that hold secrets.
var secretParts = []string{"password", "secret", "token", "session", "credential", "signature", "passcode"}

// SecretField reports whether the body field at the dotted path p is or may
// hold a password, token, one-time code or secret: any part of the path
// named like one (Password, ProposedPassword, AccessToken, RefreshToken,
// Session, SecretHash, ClientSecret, ConfirmationCode, *_CODE, SRP_A, ...),
// and everything in ChallengeResponses and AuthParameters but USERNAME.
// It errs on the side of refusing.
func SecretField(p string) bool {
	parts := strings.Split(p, ".")
	switch parts[0] {
	case "AuthParameters", "ChallengeResponses":
		return len(parts) != 2 || parts[1] != "USERNAME"
	}
	for _, part := range parts {
		if SecretName(part) {
			return true
		}
	}
	return false
}

// SecretName reports whether one field name (not a path) is named like a
// secret, whatever its position in the body.
func SecretName(name string) bool {
	n := strings.ToLower(name)
	if secretWords[n] || strings.HasSuffix(n, "code") {
		return true
	}
	for _, s := range secretParts {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
