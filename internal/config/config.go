// Package config loads poolguard's configuration file: strict decoding
// (an unknown key is an error), defaults, and validation that reports every
// problem at once with its file, line and key. Loading reads only the file;
// it resolves no secrets and opens no sockets.
package config

import (
	"net/netip"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/poolguard/poolguard/internal/cognito"
)

// Config is the whole configuration file.
type Config struct {
	// Listen is the address apps call, e.g. "127.0.0.1:8080".
	Listen string `yaml:"listen"`
	// AdminListen serves /healthz and /metrics; never expose it publicly.
	AdminListen string `yaml:"admin_listen"`
	// Upstream is the Cognito endpoint requests are forwarded to.
	Upstream Upstream `yaml:"upstream"`
	// TrustedProxies are the peers allowed to set X-Forwarded-For:
	// addresses or CIDR blocks (a bare address is a /32 or /128).
	TrustedProxies []netip.Prefix `yaml:"trusted_proxies"`
	// Clients are the app clients the proxy serves.
	Clients []Client `yaml:"clients"`
	// UnknownClients is what to do with a ClientId not listed: "reject" or "pass".
	UnknownClients ClientPolicy `yaml:"unknown_clients"`
	// Operations is the operation policy.
	Operations Operations `yaml:"operations"`
	// Limits bounds request sizes and connection times.
	Limits Limits `yaml:"limits"`
	// CORS configures cross-origin answers.
	CORS CORS `yaml:"cors"`
	// RefreshMemory sizes the store used by the "remember" refresh strategy.
	RefreshMemory RefreshMemory `yaml:"refresh_memory"`
	// WAF is the web ACL.
	WAF WAF `yaml:"waf"`
	// Secrets configures secret sources such as AWS Secrets Manager.
	Secrets Secrets `yaml:"secrets"`
	// PoolACL describes the web ACL `poolguard export waf` generates for
	// the user pool itself.
	PoolACL PoolACL `yaml:"pool_acl"`
	// TLS makes the public listener serve HTTPS; absent, it serves plain HTTP.
	TLS *TLS `yaml:"tls"`
	// HTTPServer is the HTTP server of a plain-HTTP public listener:
	// net/http (the default) or fasthttp. TLS listeners are always net/http.
	HTTPServer HTTPServer `yaml:"http_server"`
	// DecisionHook asks an external service about listed operations.
	DecisionHook *DecisionHook `yaml:"decision_hook"`
	// State configures shared (Redis) and persistent state.
	State State `yaml:"state"`
	// Admin configures the admin API.
	Admin Admin `yaml:"admin"`
	// HostedUI configures the Hosted UI / OAuth2 listener.
	HostedUI HostedUI `yaml:"hosted_ui"`
	// Logging configures the WAF-format request log.
	Logging Logging `yaml:"logging"`
	// Metrics configures the Prometheus metrics.
	Metrics Metrics `yaml:"metrics"`
	// Signals are the label sources (IP lists, geo, bot signals) and the
	// CAPTCHA/Challenge settings (signals.go).
	Signals Signals `yaml:"signals"`
	// BreachedPasswords refuses passwords found in breach corpora
	// (hygiene.go).
	BreachedPasswords BreachedPasswords `yaml:"breached_passwords"`
	// ReloadConfirm lets a reload apply a config that removes all or most
	// of the running clients or web ACL rules: it must read
	// "clients=<n> rules=<m>", the new config's counts (see
	// docs/configuration.md, Reloads).
	ReloadConfirm string `yaml:"reload_confirm"`

	// File is the path the config was loaded from (not a YAML key).
	File string `yaml:"-"`
	// Warnings are problems that do not stop the proxy (not a YAML key).
	Warnings []Problem `yaml:"-"`

	root *yaml.Node // the parsed document, to locate keys in later errors
}

// Upstream is the Cognito user pools endpoint.
type Upstream struct {
	// Region selects the default endpoint.
	Region string `yaml:"region"`
	// Endpoint overrides https://cognito-idp.<region>.amazonaws.com/.
	Endpoint URL `yaml:"endpoint"`
	// Timeout bounds one upstream exchange, headers and body.
	Timeout time.Duration `yaml:"timeout"`
	// MaxIdleConns is the size of the keep-alive pool.
	MaxIdleConns int `yaml:"max_idle_conns"`
	// HostedUI is the user pool domain's URL
	// (https://<domain>.auth.<region>.amazoncognito.com), served on
	// hosted_ui.listen.
	HostedUI URL `yaml:"hosted_ui"`
}

// Client is one app client.
type Client struct {
	ClientID   string `yaml:"client_id"`
	UserPoolID string `yaml:"user_pool_id"`
	// ClientSecret is a secret reference: env:NAME, file:PATH or a literal.
	ClientSecret string `yaml:"client_secret"`
	// PropagateIP adds UserContextData.IpAddress.
	PropagateIP bool `yaml:"propagate_ip"`
	// Refresh is get_tokens (default), remember or raw_secret.
	Refresh cognito.Refresh `yaml:"refresh"`
	// AllowedAuthFlows restricts InitiateAuth's AuthFlow; empty allows all.
	AllowedAuthFlows []string `yaml:"allowed_auth_flows"`
	// ProtectedAttributes are user attributes apps may not write through
	// the proxy (SignUp, NEW_PASSWORD_REQUIRED, UpdateUserAttributes,
	// DeleteUserAttributes); "custom:*" protects every custom attribute.
	ProtectedAttributes []string `yaml:"protected_attributes"`
	// PreventUserExistenceErrors hides whether a user exists, as Cognito's
	// PreventUserExistenceErrors ENABLED does.
	PreventUserExistenceErrors bool `yaml:"prevent_user_existence_errors"`
	// ForbiddenOperations are operations refused for this client.
	ForbiddenOperations []string `yaml:"forbidden_operations"`
	// UsernameAttributes mirrors the pool's UsernameAttributes (email,
	// phone_number). Unset, a user name written as an international phone
	// number is taken for the number the pool will text; a list without
	// phone_number (e.g. [email] or []) says user names are never phone
	// numbers.
	UsernameAttributes []string `yaml:"username_attributes"`
	// HostedUIClientAuth lets the Hosted UI listener add this client's
	// secret (client_secret_basic) to its token requests that carry no
	// client authentication: authorization_code with a PKCE code_verifier,
	// refresh_token, and revocation; never client_credentials. Off by
	// default; needs client_secret.
	HostedUIClientAuth bool `yaml:"hosted_ui_client_auth"`
	// AdminClient holds auth_mode, context_headers and region.
	AdminClient `yaml:",inline"`
}

// Operations is the operation policy by class.
type Operations struct {
	// AllowIAM forwards IAM-signed (Admin*, List*, Describe*, ...) operations;
	// by default they are refused without contacting the upstream.
	AllowIAM bool `yaml:"allow_iam"`
	// AllowTokenAuth forwards token-authorised operations (default true).
	AllowTokenAuth *bool `yaml:"allow_token_auth"`
	// Deny lists operations refused whatever their class.
	Deny []string `yaml:"deny"`
}

// Limits bounds what one request may cost.
type Limits struct {
	MaxBodyBytes      int64         `yaml:"max_body_bytes"`
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout   time.Duration `yaml:"shutdown_timeout"`
	MaxHeaderBytes    int           `yaml:"max_header_bytes"`
	// MaxConnections caps the open connections of each public listener
	// (plain or TLS, the Hosted UI's); more wait in the kernel's backlog.
	MaxConnections int `yaml:"max_connections"`
	// AdminMaxConnections caps the admin listener's open connections.
	AdminMaxConnections int `yaml:"admin_max_connections"`
}

// CORS configures cross-origin responses.
type CORS struct {
	// AllowedOrigins lists origins answered; "*" (the default) allows any.
	AllowedOrigins []string `yaml:"allowed_origins"`
}

// RefreshMemory sizes the refresh-token owner store.
type RefreshMemory struct {
	MaxEntries    int           `yaml:"max_entries"`
	TokenLifetime time.Duration `yaml:"token_lifetime"`
}
