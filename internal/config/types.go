package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ClientPolicy is what the proxy does with a ClientId no client lists.
type ClientPolicy string

// Client policies.
const (
	// RejectUnknown refuses calls naming an unlisted ClientId (the default).
	RejectUnknown ClientPolicy = "reject"
	// PassUnknown forwards them unchanged.
	PassUnknown ClientPolicy = "pass"
)

// UnmarshalText accepts reject or pass.
func (p *ClientPolicy) UnmarshalText(b []byte) error { return oneOf(p, b, RejectUnknown, PassUnknown) }

// HTTPServer is the HTTP server implementation of the plain-HTTP public
// listener.
type HTTPServer string

// HTTP servers.
const (
	// ServerNetHTTP is Go's net/http (the default).
	ServerNetHTTP HTTPServer = "net/http"
	// ServerFastHTTP is github.com/valyala/fasthttp's server, for less CPU
	// per request (package fastserve); plain HTTP/1.x only.
	ServerFastHTTP HTTPServer = "fasthttp"
)

// UnmarshalText accepts net/http or fasthttp.
func (s *HTTPServer) UnmarshalText(b []byte) error {
	return oneOf(s, b, ServerNetHTTP, ServerFastHTTP)
}

// AuthMode is how a client's calls reach Cognito: public or admin.
type AuthMode string

// Auth modes of a client.
const (
	// AuthPublic forwards the public operations the app called.
	AuthPublic AuthMode = "public"
	// AuthAdmin turns InitiateAuth and RespondToAuthChallenge into their
	// SigV4-signed Admin counterparts with ContextData (advanced security).
	AuthAdmin AuthMode = "admin"
)

// UnmarshalText accepts public or admin.
func (m *AuthMode) UnmarshalText(b []byte) error { return oneOf(m, b, AuthPublic, AuthAdmin) }

// WAFAction is the web ACL's default action: ALLOW or BLOCK.
type WAFAction string

// Default actions.
const (
	// ActionAllow forwards requests no rule terminated (the default).
	ActionAllow WAFAction = "ALLOW"
	// ActionBlock blocks them.
	ActionBlock WAFAction = "BLOCK"
)

// UnmarshalText accepts ALLOW or BLOCK, in any case.
func (a *WAFAction) UnmarshalText(b []byte) error {
	if oneOf(a, []byte(strings.ToUpper(string(b))), ActionAllow, ActionBlock) != nil {
		return oneOf(a, b, ActionAllow, ActionBlock)
	}
	return nil
}

// FailurePolicy is what a rate decision does while Redis is unavailable.
type FailurePolicy string

// Failure policies.
const (
	// FailOpen decides with local counters (the default).
	FailOpen FailurePolicy = "fail_open"
	// FailClosed refuses the requests that need Redis.
	FailClosed FailurePolicy = "fail_closed"
)

// UnmarshalText accepts fail_open or fail_closed.
func (f *FailurePolicy) UnmarshalText(b []byte) error { return oneOf(f, b, FailOpen, FailClosed) }

// TLSVersion is the lowest TLS version the public listener accepts.
type TLSVersion string

// TLS versions.
const (
	// TLS12 accepts TLS 1.2 and 1.3 (the default).
	TLS12 TLSVersion = "1.2"
	// TLS13 accepts TLS 1.3 only.
	TLS13 TLSVersion = "1.3"
)

// UnmarshalText accepts 1.2 or 1.3.
func (v *TLSVersion) UnmarshalText(b []byte) error { return oneOf(v, b, TLS12, TLS13) }

// CaptchaKind names the CAPTCHA's human step.
type CaptchaKind string

// CAPTCHA providers.
const (
	// CaptchaPuzzle is the built-in puzzle (the default, and weak).
	CaptchaPuzzle CaptchaKind = "puzzle"
	// CaptchaTurnstile is Cloudflare Turnstile.
	CaptchaTurnstile CaptchaKind = "turnstile"
	// CaptchaHCaptcha is hCaptcha.
	CaptchaHCaptcha CaptchaKind = "hcaptcha"
	// CaptchaReCaptcha is Google reCAPTCHA.
	CaptchaReCaptcha CaptchaKind = "recaptcha"
)

// UnmarshalText accepts puzzle, turnstile, hcaptcha or recaptcha.
func (k *CaptchaKind) UnmarshalText(b []byte) error {
	return oneOf(k, b, CaptchaPuzzle, CaptchaTurnstile, CaptchaHCaptcha, CaptchaReCaptcha)
}

// External reports whether k is a third-party provider (not the puzzle).
func (k CaptchaKind) External() bool { return k != "" && k != CaptchaPuzzle }

// oneOf sets *dst to the allowed value equal to text, or says which values
// are allowed.
func oneOf[T ~string](dst *T, text []byte, allowed ...T) error {
	for _, a := range allowed {
		if string(text) == string(a) {
			*dst = a
			return nil
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return fmt.Errorf("%q is not one of %s", text, strings.Join(names, ", "))
}

// HostPort is a network address split into its host and port.
type HostPort struct {
	Host, Port string
}

// String returns host:port (brackets around an IPv6 host).
func (h HostPort) String() string { return net.JoinHostPort(h.Host, h.Port) }

// HostPorts is a comma-separated list of host:port addresses, such as a
// Redis Cluster's nodes or a set of Sentinels.
type HostPorts []HostPort

// UnmarshalText splits text at commas and each part at its port,
// refusing a part that is not host:port.
func (h *HostPorts) UnmarshalText(text []byte) error {
	var out HostPorts
	for part := range strings.SplitSeq(string(text), ",") {
		part = strings.TrimSpace(part)
		host, port, err := net.SplitHostPort(part)
		if err != nil || host == "" || port == "" {
			return fmt.Errorf("%q is not host:port", part)
		}
		out = append(out, HostPort{Host: host, Port: port})
	}
	*h = out
	return nil
}

// Strings returns each address as host:port.
func (h HostPorts) Strings() []string {
	out := make([]string, len(h))
	for i, a := range h {
		out[i] = a.String()
	}
	return out
}

// URL is an absolute http(s) URL, parsed when the config is read. Its
// zero value is no URL. URLs compare equal when they are written alike.
type URL struct{ url.URL }

// ParseURL parses s as an absolute http(s) URL.
func ParseURL(s string) (URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return URL{}, fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return URL{*u}, nil
}

// UnmarshalText accepts an absolute http(s) URL.
func (u *URL) UnmarshalText(text []byte) error {
	p, err := ParseURL(string(text))
	if err != nil {
		return err
	}
	*u = p
	return nil
}

// IsZero reports whether u is no URL.
func (u URL) IsZero() bool { return u.URL == url.URL{} }

// Ptr returns a copy of the parsed URL, for APIs that take a *url.URL.
func (u URL) Ptr() *url.URL {
	c := u.URL
	return &c
}
