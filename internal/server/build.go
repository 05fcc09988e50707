// Package server turns a loaded configuration into running listeners: it
// builds the proxy's state (resolving secrets), serves the public and admin
// endpoints, and drains in-flight requests on shutdown.
package server

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/poolguard/poolguard/internal/clientip"
	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/proxy"
	"github.com/poolguard/poolguard/internal/ratelimit"
	"github.com/poolguard/poolguard/internal/secrets"
	"github.com/poolguard/poolguard/internal/usermemo"
	"github.com/poolguard/poolguard/internal/webacl"
)

// Deps are the long-lived parts a State is built on; they outlive reloads.
type Deps struct {
	// Store decides rate-based rules.
	Store ratelimit.Store
	// Secrets reads and refreshes aws-secretsmanager client secrets; when
	// nil, BuildState reads them once and never refreshes them.
	Secrets *secrets.AWSSources
}

// BuildState compiles cfg into the proxy's request-time state. It reads
// client secrets and the web ACL's files; every failure is reported, naming
// the client or file, never a secret's value.
func BuildState(cfg *config.Config, deps Deps) (*proxy.State, error) {
	st := &proxy.State{
		Clients:            make(map[string]*cognito.Client, len(cfg.Clients)),
		PassUnknownClients: cfg.UnknownClients == "pass",
		Policy:             policy(cfg.Operations),
		CORS:               cors(cfg.CORS),
		MaxBodyBytes:       cfg.Limits.MaxBodyBytes,
		Rewriter:           &cognito.Rewriter{TokenLifetime: cfg.RefreshMemory.TokenLifetime},
	}
	var errs []error
	var trusted []netip.Prefix
	for _, p := range cfg.TrustedProxies {
		pfx, err := config.ParsePrefix(p)
		if err != nil {
			errs = append(errs, err)
		}
		trusted = append(trusted, pfx)
	}
	st.ClientIP = clientip.New(trusted)
	resolve := secretResolver(cfg, deps)
	for i := range cfg.Clients {
		c, err := buildClient(&cfg.Clients[i], resolve)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: clients[%d] (%s): client_secret: %w", cfg.File, i, cfg.Clients[i].ClientID, err))
			continue
		}
		if (c.Refresh == cognito.RefreshRemember || c.Admin != nil) && st.Rewriter.Memory == nil {
			st.Rewriter.Memory = usermemo.New(cfg.RefreshMemory.MaxEntries)
		}
		st.Clients[c.ID] = c
	}
	errs = append(errs, buildSigner(cfg, st)...)
	engine, err := webacl.Build(&cfg.WAF, webacl.Input{BaseDir: filepath.Dir(cfg.File), Region: region(cfg), Store: deps.Store})
	if err != nil {
		errs = append(errs, err)
	}
	st.WAF = engine
	return st, errors.Join(errs...)
}

// region is the upstream's region, or the first client's pool's.
func region(cfg *config.Config) string {
	if cfg.Upstream.Region != "" {
		return cfg.Upstream.Region
	}
	for _, c := range cfg.Clients {
		if r, _, ok := strings.Cut(c.UserPoolID, "_"); ok {
			return r
		}
	}
	return "us-east-1"
}

func buildClient(cc *config.Client, resolve func(string) (*secrets.Value, error)) (*cognito.Client, error) {
	refresh, _ := cognito.ParseRefresh(cc.Refresh)
	c := &cognito.Client{ID: cc.ClientID, UserPoolID: cc.UserPoolID, PropagateIP: cc.PropagateIP, Refresh: refresh}
	if len(cc.AllowedAuthFlows) > 0 {
		c.AllowedAuthFlows = make(map[string]bool, len(cc.AllowedAuthFlows))
		for _, f := range cc.AllowedAuthFlows {
			c.AllowedAuthFlows[f] = true
		}
	}
	c.Protection = cognito.Protection{Attributes: cc.ProtectedAttributes, HideUserExistence: cc.PreventUserExistenceErrors}
	for _, op := range cc.ForbiddenOperations {
		if c.Protection.ForbiddenOperations == nil {
			c.Protection.ForbiddenOperations = map[string]bool{}
		}
		c.Protection.ForbiddenOperations[op] = true
	}
	c.Admin = adminMode(cc)
	secret, err := resolve(cc.ClientSecret)
	if err != nil {
		return nil, err
	}
	if secret != nil {
		c.Secret = secret.Bytes
	}
	return c, nil
}

func policy(o config.Operations) proxy.Policy {
	p := proxy.Policy{AllowIAM: o.AllowIAM, AllowTokenAuth: o.AllowTokenAuth == nil || *o.AllowTokenAuth, Deny: map[string]bool{}}
	for _, name := range o.Deny {
		p.Deny[name] = true
	}
	return p
}

func cors(c config.CORS) proxy.CORS {
	out := proxy.CORS{Origins: map[string]bool{}}
	for _, o := range c.AllowedOrigins {
		if o == "*" {
			out.AnyOrigin = true
		}
		out.Origins[o] = true
	}
	return out
}

// BuildUpstream returns the upstream for cfg.
func BuildUpstream(cfg *config.Config) (*proxy.Upstream, error) {
	u, err := url.Parse(cfg.Upstream.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("%s: upstream.endpoint: %w", cfg.File, err)
	}
	return proxy.NewUpstream(u, cfg.Upstream.Timeout, cfg.Upstream.MaxIdleConns), nil
}
