package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/secrets"
)

// AdminClient holds a client's admin-mode keys; it is inlined in Client.
type AdminClient struct {
	// AuthMode is "public" (default) or "admin".
	AuthMode AuthMode `yaml:"auth_mode"`
	// ContextHeaders are the request headers copied into ContextData in
	// admin mode; default cognito.DefaultContextHeaders.
	ContextHeaders []string `yaml:"context_headers"`
	// Region is the SigV4 signing region in admin mode; default the user
	// pool id's prefix.
	Region string `yaml:"region"`
}

// Secrets configures secret sources that need a service: client_secret
// values of the form aws-secretsmanager:SECRET_ID[#JSON_KEY].
type Secrets struct {
	// Region is the Secrets Manager region; default upstream.region, then
	// the AWS SDK's default (AWS_REGION, shared config).
	Region string `yaml:"region"`
	// Endpoint overrides the Secrets Manager endpoint (tests, VPC endpoints).
	Endpoint string `yaml:"endpoint"`
	// RefreshInterval is how often AWS secrets are read again; default 5m.
	RefreshInterval time.Duration `yaml:"refresh_interval"`
}

// minSecretRefresh bounds secrets.refresh_interval from below, so a typo
// cannot hammer Secrets Manager.
const minSecretRefresh = time.Second

// adminDefaults fills the admin-mode and secrets defaults.
func adminDefaults(c *Config) {
	setDefault(&c.Secrets.RefreshInterval, secrets.DefaultRefreshInterval)
	setDefault(&c.Secrets.Region, c.Upstream.Region)
	for i := range c.Clients {
		cl := &c.Clients[i]
		setDefault(&cl.AuthMode, AuthPublic)
		if cl.AuthMode == AuthAdmin {
			setDefault(&cl.Region, cognito.PoolRegion(cl.UserPoolID))
			if cl.ContextHeaders == nil {
				cl.ContextHeaders = append([]string(nil), cognito.DefaultContextHeaders...)
			}
		}
	}
}

// adminMode checks every client's admin-mode keys and the secrets section.
func (v *validator) adminMode(c *Config) {
	for i := range c.Clients {
		v.adminClient(fmt.Sprintf("clients[%d]", i), &c.Clients[i], c.Upstream.Region)
	}
	s := &c.Secrets
	if s.Endpoint != "" {
		if p, err := url.Parse(s.Endpoint); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			v.add("secrets.endpoint", "%q is not an http(s) URL", s.Endpoint)
		}
	}
	if s.RefreshInterval < minSecretRefresh {
		v.add("secrets.refresh_interval", "%s is shorter than %s", s.RefreshInterval, minSecretRefresh)
	}
}

func (v *validator) adminClient(key string, c *Client, upstreamRegion string) {
	if secrets.IsAWS(c.ClientSecret) {
		if _, _, err := secrets.ParseAWS(c.ClientSecret); err != nil {
			v.add(key+".client_secret", "%v", err)
		}
	}
	for j, h := range c.ContextHeaders {
		if !isToken(h) {
			v.add(fmt.Sprintf("%s.context_headers[%d]", key, j), "%q is not a header name", h)
		}
	}
	poolRegion := cognito.PoolRegion(c.UserPoolID)
	if c.Region != "" && poolRegion != "" && c.Region != poolRegion {
		v.add(key+".region", "%q disagrees with user_pool_id %s, which is in %s", c.Region, c.UserPoolID, poolRegion)
	}
	if c.AuthMode != AuthAdmin {
		return
	}
	switch {
	case c.UserPoolID == "":
		v.add(key+".user_pool_id", "is required with auth_mode admin")
	case c.Region == "":
		v.add(key+".region", "is required with auth_mode admin when user_pool_id has no region prefix")
	case upstreamRegion != "" && c.Region != upstreamRegion:
		v.add(key+".region", "admin calls are signed for %s but sent to upstream.region %s", c.Region, upstreamRegion)
	}
}

// isToken reports whether s is an HTTP header name (RFC 9110 token).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}
