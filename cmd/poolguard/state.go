package main

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/hook"
	"github.com/poolguard/poolguard/internal/edge/proxy"
	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/edge/usermemo"
	"github.com/poolguard/poolguard/internal/rules/ipsets"
	"github.com/poolguard/poolguard/internal/rules/outcome"
	"github.com/poolguard/poolguard/internal/rules/outcome/redisoutcome"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/rules/ratelimit/redisstore"
	"github.com/poolguard/poolguard/internal/rules/signals"
	"github.com/poolguard/poolguard/internal/secrets"
)

// sweeper is a rate store that can evict idle keys.
type sweeper interface {
	ratelimit.Store
	Sweep(now time.Time)
	OverKeys(rule string, now time.Time) []ratelimit.OverKey
}

// shared is the long-lived state a serving proxy builds on: the rate store
// (in memory, or Redis behind a failure guard), the refresh-token owners,
// the IP set registry and the secret sources. It outlives reloads.
type shared struct {
	deps  server.Deps
	store sweeper
	guard *redisstore.Guard // nil without Redis
	redis *redisMetrics     // nil without Redis
	close []func()
}

// openShared opens the state cfg asks for.
func openShared(ctx context.Context, cfg *config.Config, log *slog.Logger) (*shared, error) {
	sh := &shared{}
	mem := ratelimit.NewMemory()
	sh.store = mem
	memo := cognito.UsernameMemory(usermemo.New(cfg.RefreshMemory.MaxEntries))
	outcomes := outcome.NewMemory(outcome.DefaultMaxRecords)
	var outcomeStore outcome.Store = outcomes
	var backend ipsets.Backend
	if r := cfg.State.Redis; len(r.Address) > 0 {
		client, err := sh.openRedis(ctx, r, mem, log)
		if err != nil {
			return nil, err
		}
		sh.store = sh.guard
		memo = usermemo.NewRedis(client, r.KeyPrefix, usermemo.New(cfg.RefreshMemory.MaxEntries))
		outcomeStore = redisoutcome.New(client, r.KeyPrefix, outcomes, r.Failure == config.FailClosed)
		backend = ipsets.NewRedis(client, r.KeyPrefix)
	} else if cfg.State.Dir != "" {
		backend = ipsets.NewFile(cfg.State.Dir)
	}
	reg, err := ipsets.Open(ctx, backend, time.Now())
	if err != nil {
		sh.shutdown()
		return nil, err
	}
	go reg.Run(ctx, 0, time.Now, func(err error) { log.Warn("ip sets", "err", err) })
	sh.deps = server.Deps{Store: sh.store, Secrets: secrets.NewAWSSources(log), UsernameMemory: memo,
		IPSets: reg, HostedUITransport: hostedUITransport(cfg), HookCounters: new(hook.Counters),
		Signals: signals.NewManager(log, nil), Outcomes: outcomeStore, OutcomeStats: new(outcome.Stats)}
	every := cfg.Signals.RefreshCheck
	if every <= 0 {
		every = time.Minute
	}
	go sh.deps.Signals.Run(ctx, every)
	return sh, nil
}

func (sh *shared) shutdown() {
	for i := len(sh.close) - 1; i >= 0; i-- {
		sh.close[i]()
	}
}

// rateLimited lists, by rule name, the keys over their limit at now in the
// rate rules of the web ACL h serves.
func (sh *shared) rateLimited(h *proxy.Handler) func(time.Time) map[string][]ratelimit.OverKey {
	return func(now time.Time) map[string][]ratelimit.OverKey {
		out := map[string][]ratelimit.OverKey{}
		engine := h.State().WAF
		if engine == nil {
			return out
		}
		for _, r := range engine.RateRules() {
			if keys := sh.store.OverKeys(r.ID, now); len(keys) > 0 {
				out[r.Name] = keys
			}
		}
		return out
	}
}

func redisTLS(r config.Redis) *tls.Config {
	if !r.TLS {
		return nil
	}
	return &tls.Config{ServerName: r.Address[0].Host, MinVersion: tls.VersionTLS12}
}

// hostedUITransport is the connection pool to the user pool domain.
func hostedUITransport(cfg *config.Config) http.RoundTripper {
	if cfg.Upstream.HostedUI.IsZero() {
		return nil
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = cfg.Upstream.Timeout
	t.MaxIdleConnsPerHost = 64
	return t
}
