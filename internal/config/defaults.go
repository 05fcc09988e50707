package config

import (
	"net/url"
	"time"
)

// Defaults used when a key is absent.
const (
	DefaultListen        = "127.0.0.1:8080"
	DefaultAdminListen   = "127.0.0.1:9090"
	DefaultTimeout       = 10 * time.Second
	DefaultMaxBodyBytes  = 64 << 10
	DefaultMaxIdleConns  = 256
	DefaultTokenLifetime = 30 * 24 * time.Hour
	// DefaultIPv6Prefix is waf.ip_v6_prefix when presets are in use: the
	// /64 one subscriber or host is usually given.
	DefaultIPv6Prefix = 64
)

func applyDefaults(c *Config) {
	setDefault(&c.Listen, DefaultListen)
	setDefault(&c.AdminListen, DefaultAdminListen)
	setDefault(&c.UnknownClients, RejectUnknown)
	setDefault(&c.HTTPServer, ServerNetHTTP)
	setDefault(&c.Upstream.Timeout, DefaultTimeout)
	setDefault(&c.Upstream.MaxIdleConns, DefaultMaxIdleConns)
	if c.Upstream.Endpoint.IsZero() && c.Upstream.Region != "" {
		c.Upstream.Endpoint = URL{url.URL{Scheme: "https", Host: "cognito-idp." + c.Upstream.Region + ".amazonaws.com", Path: "/"}}
	}
	if c.Operations.AllowTokenAuth == nil {
		yes := true
		c.Operations.AllowTokenAuth = &yes
	}
	l := &c.Limits
	setDefault(&l.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&l.ReadHeaderTimeout, 5*time.Second)
	setDefault(&l.ReadTimeout, 15*time.Second)
	setDefault(&l.WriteTimeout, c.Upstream.Timeout+5*time.Second)
	setDefault(&l.IdleTimeout, 90*time.Second)
	setDefault(&l.ShutdownTimeout, 30*time.Second)
	setDefault(&l.MaxHeaderBytes, 16<<10)
	setDefault(&l.MaxConnections, 4096)
	setDefault(&l.AdminMaxConnections, 64)
	if len(c.CORS.AllowedOrigins) == 0 {
		c.CORS.AllowedOrigins = []string{"*"}
	}
	setDefault(&c.RefreshMemory.MaxEntries, 1_000_000)
	setDefault(&c.RefreshMemory.TokenLifetime, DefaultTokenLifetime)
	if len(c.State.Redis.Address) > 0 {
		setDefault(&c.State.Redis.KeyPrefix, "poolguard:")
		setDefault(&c.State.Redis.Failure, FailOpen)
	}
	setDefault(&c.WAF.DefaultAction, ActionAllow)
	if c.WAF.IPv6Prefix == 0 {
		c.WAF.IPv6Prefix = 128
		if len(c.WAF.Presets) > 0 {
			c.WAF.IPv6Prefix = DefaultIPv6Prefix
		}
	}
	setDefault(&c.WAF.Account, "000000000000")
	setDefault(&c.WAF.Name, "poolguard")
	adminDefaults(c)
	tlsDefaults(c)
	hookDefaults(c)
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}
