package config

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/poolguard/poolguard/internal/cognito"
)

// PoolACL configures the web ACL for the user pool itself that
// `poolguard export waf` generates: public secret-taking operations and
// ProxyOnlyOperations pass only when they come from the proxy (by egress
// address or by a shared-secret header the proxy adds), and
// ForbiddenOperations never pass.
type PoolACL struct {
	// Name is the web ACL's name; default "poolguard-pool".
	Name string `yaml:"name"`
	// ProxyEgressIPs are the addresses (or CIDRs) the proxy calls Cognito from.
	ProxyEgressIPs []netip.Prefix `yaml:"proxy_egress_ips"`
	// ProxyHeader is a header the proxy adds to every upstream request.
	ProxyHeader ProxyHeader `yaml:"proxy_header"`
	// ForbiddenOperations are refused to every caller, the proxy included.
	// Default: the operations every configured client forbids.
	ForbiddenOperations []string `yaml:"forbidden_operations"`
	// ProxyOnlyOperations are token-authorised operations allowed only
	// through the proxy. Default: UpdateUserAttributes and
	// DeleteUserAttributes when a client has protected_attributes.
	ProxyOnlyOperations []string `yaml:"proxy_only_operations"`
	// RateLimits are parameters of the cognito-categories preset, e.g.
	// SignInRateLimit: 100.
	RateLimits map[string]any `yaml:"rate_limits"`
}

// ProxyHeader is the shared-secret header the proxy adds upstream.
type ProxyHeader struct {
	// Name is the header name, e.g. "x-poolguard-auth".
	Name string `yaml:"name"`
	// Value is a secret reference: env:NAME, file:PATH or a literal.
	Value string `yaml:"value"`
}

// Enabled reports whether the header is configured.
func (h ProxyHeader) Enabled() bool { return h.Name != "" }

func (v *validator) protection(key string, c *Client) {
	for j, a := range c.ProtectedAttributes {
		if a == "" || strings.ContainsAny(a, " \t") || strings.Contains(strings.TrimSuffix(a, "*"), "*") {
			v.add(fmt.Sprintf("%s.protected_attributes[%d]", key, j), "%q is not an attribute name (a trailing * matches a prefix)", a)
		}
	}
	v.operations(key+".forbidden_operations", c.ForbiddenOperations)
	for j, a := range c.UsernameAttributes {
		if a != "email" && a != "phone_number" {
			v.add(fmt.Sprintf("%s.username_attributes[%d]", key, j), "%q is not a username attribute (email or phone_number)", a)
		}
	}
}

// NoPhoneUsernames reports whether c declares that its pool never reads a
// user name as a phone number: username_attributes is given and leaves out
// phone_number.
func (c *Client) NoPhoneUsernames() bool {
	return c.UsernameAttributes != nil && !slices.Contains(c.UsernameAttributes, "phone_number")
}

func (v *validator) operations(key string, ops []string) {
	for j, name := range ops {
		if _, ok := cognito.Lookup(name); !ok {
			v.add(fmt.Sprintf("%s[%d]", key, j), "unknown Cognito operation %q", name)
		}
	}
}

func (v *validator) poolACL(p *PoolACL) {
	h := p.ProxyHeader
	switch {
	case h.Name == "" && h.Value != "":
		v.add("pool_acl.proxy_header.name", "is required with a value")
	case h.Name != "" && h.Value == "":
		v.add("pool_acl.proxy_header.value", "is required (a secret reference such as env:NAME)")
	case h.Name != "" && !headerName(h.Name):
		v.add("pool_acl.proxy_header.name", "%q is not an HTTP header name", h.Name)
	case strings.HasPrefix(strings.ToLower(h.Name), "x-amz"):
		v.add("pool_acl.proxy_header.name", "%q is in the x-amz namespace AWS reserves", h.Name)
	}
	if err := checkSecretRef(h.Value); err != "" {
		v.add("pool_acl.proxy_header.value", "%s", err)
	}
	v.operations("pool_acl.forbidden_operations", p.ForbiddenOperations)
	v.operations("pool_acl.proxy_only_operations", p.ProxyOnlyOperations)
	for i, name := range p.ProxyOnlyOperations {
		if op, ok := cognito.Lookup(name); ok && op.Class == cognito.IAM {
			v.add(fmt.Sprintf("pool_acl.proxy_only_operations[%d]", i), "%s is IAM-signed; web ACLs on a user pool do not see it", name)
		}
	}
}

// headerName reports whether s is an HTTP token (RFC 9110).
func headerName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return s != ""
}
