// Package server turns a loaded configuration into running listeners: it
// builds the proxy's state (resolving secrets), serves the public and admin
// endpoints, and drains in-flight requests on shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/clientip"
	"github.com/poolguard/poolguard/internal/edge/hook"
	"github.com/poolguard/poolguard/internal/edge/hostedui"
	"github.com/poolguard/poolguard/internal/edge/proxy"
	"github.com/poolguard/poolguard/internal/edge/usermemo"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/rules/ipsets"
	"github.com/poolguard/poolguard/internal/rules/outcome"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/rules/signals"
	"github.com/poolguard/poolguard/internal/rules/waf"
	"github.com/poolguard/poolguard/internal/rules/webacl"
	"github.com/poolguard/poolguard/internal/secrets"
)

// Deps are the long-lived parts a State is built on; they outlive reloads.
type Deps struct {
	// Store decides rate-based rules.
	Store ratelimit.Store
	// Secrets reads and refreshes aws-secretsmanager client secrets; when
	// nil, BuildState reads them once and never refreshes them.
	Secrets *secrets.AWSSources
	// UsernameMemory remembers refresh-token owners across reloads (and
	// replicas, when Redis-backed); nil gives each build its own.
	UsernameMemory cognito.UsernameMemory
	// IPSets holds the named IP sets with their runtime changes; nil
	// compiles the configured sets as they are.
	IPSets *ipsets.Registry
	// HostedUITransport carries Hosted UI requests upstream; nil uses
	// http.DefaultTransport.
	HostedUITransport http.RoundTripper
	// Observer receives the Hosted UI listener's finished requests (the
	// API listener's are reported by proxy.Handler); nil reports nothing.
	Observer observe.Observer
	// HookCounters count decision hook calls across reloads (for the
	// metrics); nil gives each build its own.
	HookCounters *hook.Counters
	// Signals owns the IP lists and geo database across reloads (run its
	// Refresh loop); nil loads them once per build, never refreshed.
	Signals *signals.Manager
	// Offline builds a state that never sends upstream (the rule tester):
	// client secrets and the pool ACL header are not read (each gets a
	// placeholder) and admin-mode credentials are not looked up, so the
	// state builds without the real secrets.
	Offline bool
	// Outcomes keeps the attack-protection counts across reloads (and
	// replicas, when Redis-backed); nil gives each build its own memory.
	Outcomes outcome.Store
	// OutcomeHasher keys those counts; nil keys them with
	// signals.key_hash_secret (or a random key).
	OutcomeHasher *outcome.Hasher
	// OutcomeStats counts the tracker's outcomes and labels across
	// reloads (for the metrics); nil gives each build its own.
	OutcomeStats *outcome.Stats
}

// BuildState opens cfg's network sources (OpenSources, bounded by ctx) and
// compiles cfg with them (Compile). Every failure of either step is
// reported, naming the client, key or file, never a secret's value.
func BuildState(ctx context.Context, cfg *config.Config, deps Deps) (*proxy.State, error) {
	src, openErr := OpenSources(ctx, cfg, deps)
	st, err := Compile(cfg, src, deps)
	if err := errors.Join(openErr, err); err != nil {
		return nil, err
	}
	return st, nil
}

// Compile turns cfg into the proxy's request-time state with the sources
// OpenSources or OfflineSources opened. It makes no network call: it reads
// the config's local files (the web ACL, IP set files, the breached
// password filter) and its environment and file secrets. A compile that
// fails changes nothing that outlives it (the IP set registry is changed
// only by a successful one). Every failure is reported, naming the
// client, key or file, never a secret's value.
func Compile(cfg *config.Config, src *Sources, deps Deps) (*proxy.State, error) {
	st := &proxy.State{
		Clients:            make(map[string]*cognito.Client, len(cfg.Clients)),
		PassUnknownClients: cfg.UnknownClients == config.PassUnknown,
		Policy:             policy(cfg.Operations),
		CORS:               cors(cfg.CORS),
		MaxBodyBytes:       cfg.Limits.MaxBodyBytes,
		Rewriter:           &cognito.Rewriter{TokenLifetime: cfg.RefreshMemory.TokenLifetime},
	}
	var errs []error
	st.ClientIP = clientip.New(cfg.TrustedProxies)
	resolve := secretResolver(src, deps)
	for i := range cfg.Clients {
		c, err := buildClient(&cfg.Clients[i], resolve)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", cfg.At(fmt.Sprintf("clients[%d].client_secret", i)), cfg.Clients[i].ClientID, err))
			continue
		}
		if (c.Refresh == cognito.RefreshRemember || c.Admin != nil) && st.Rewriter.Memory == nil {
			st.Rewriter.Memory = deps.UsernameMemory
			if st.Rewriter.Memory == nil {
				st.Rewriter.Memory = usermemo.New(cfg.RefreshMemory.MaxEntries)
			}
		}
		st.Clients[c.ID] = c
		st.Protected = st.Protected || c.Protection.Checks()
	}
	st.OnlyPool = onlyPool(cfg)
	st.Signer = src.signer
	var sets *ipsets.Build
	if deps.IPSets != nil {
		sets = deps.IPSets.Begin()
	}
	in := webacl.Input{BaseDir: filepath.Dir(cfg.File), Region: region(cfg), Store: deps.Store, IPSets: sets}
	errs = append(errs, buildSignals(cfg, src.signals, st, &in)...)
	engine, err := webacl.Build(&cfg.WAF, in)
	if err != nil {
		errs = append(errs, err)
	}
	st.WAF = engine
	if err := buildOutcomes(cfg, deps, st, in.KeyHashKey); err != nil {
		errs = append(errs, err)
	}
	st.Hook = hook.New(cfg.DecisionHook, deps.HookCounters)
	if !deps.Offline {
		errs = append(errs, buildUpstreamHeaders(cfg, st))
	}
	errs = append(errs, buildHostedUI(cfg, st, deps), buildBreached(cfg, st))
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if sets != nil {
		// Only a build that will be served changes the registry's sets.
		sets.Commit(time.Now())
	}
	return st, nil
}

// buildUpstreamHeaders resolves pool_acl.proxy_header, the shared secret the
// pool's own web ACL (poolguard export waf) looks for on every call.
func buildUpstreamHeaders(cfg *config.Config, st *proxy.State) error {
	h := cfg.PoolACL.ProxyHeader
	if !h.Enabled() {
		return nil
	}
	v, err := secrets.Resolve(h.Value)
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.At("pool_acl.proxy_header.value"), err)
	}
	st.UpstreamHeaders = append(st.UpstreamHeaders, waf.HeaderField{Name: h.Name, Value: string(v.Bytes())})
	return nil
}

// buildHostedUI builds the Hosted UI / OAuth2 handler when
// upstream.hosted_ui is set.
func buildHostedUI(cfg *config.Config, st *proxy.State, deps Deps) error {
	if cfg.Upstream.HostedUI.IsZero() {
		return nil
	}
	hc := hostedui.Config{Upstream: cfg.Upstream.HostedUI.Ptr(), Secrets: map[string][]byte{}, ClientIP: st.ClientIP,
		MaxBodyBytes: cfg.Limits.MaxBodyBytes, Transport: deps.HostedUITransport, Observer: deps.Observer}
	if p := cfg.HostedUI.PublicURL; !p.IsZero() {
		hc.PublicURL = p.Ptr()
	}
	for i := range cfg.Clients {
		cc := &cfg.Clients[i]
		if c := st.Clients[cc.ClientID]; cc.HostedUIClientAuth && c != nil {
			if sec := clientSecretBytes(c); len(sec) > 0 {
				hc.Secrets[cc.ClientID] = sec
			}
		}
	}
	if st.WAF != nil {
		hc.Firewall = st.WAF // never a typed nil in the interface
	}
	hc.Signals, hc.Challenge = st.Signals, st.Challenge
	h, err := hostedui.New(hc)
	if err != nil {
		return fmt.Errorf("%s: hosted_ui: %w", cfg.File, err)
	}
	st.HostedUI = h
	return nil
}

func clientSecretBytes(c *cognito.Client) []byte {
	if c.Secret == nil {
		return nil
	}
	return c.Secret()
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
	c := &cognito.Client{ID: cc.ClientID, UserPoolID: cc.UserPoolID, PropagateIP: cc.PropagateIP, Refresh: cc.Refresh}
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
	c.NoPhoneUsernames = cc.NoPhoneUsernames()
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

// BuildUpstream returns the upstream for cfg (its endpoint was parsed and
// checked when the config was).
func BuildUpstream(cfg *config.Config) *proxy.Upstream {
	return proxy.NewUpstream(cfg.Upstream.Endpoint.Ptr(), cfg.Upstream.Timeout, cfg.Upstream.MaxIdleConns)
}

// onlyPool is the user pool of every configured client when they share one
// and unlisted clients are refused, so that every call the proxy serves is
// for that pool; "" otherwise.
func onlyPool(cfg *config.Config) string {
	if cfg.UnknownClients == config.PassUnknown || len(cfg.Clients) == 0 {
		return ""
	}
	pool := cfg.Clients[0].UserPoolID
	for _, c := range cfg.Clients[1:] {
		if c.UserPoolID != pool {
			return ""
		}
	}
	return pool
}
