package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/proxy"
	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/edge/tlsserve"
	"github.com/poolguard/poolguard/internal/ops/adminapi"
	"github.com/poolguard/poolguard/internal/ops/metrics"
	"github.com/poolguard/poolguard/internal/secrets"
)

const serveUsage = `Usage: poolguard serve --config FILE

Runs the proxy: its listeners, the admin listener, and the background
loops. SIGHUP (or the admin API) reloads the config; SIGTERM or SIGINT
shuts down gracefully.
`

// load loads the config and builds the proxy state, printing every problem.
func load(path string, deps server.Deps, stderr io.Writer) (*config.Config, *proxy.State, bool) {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, false
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	st, err := server.BuildState(context.Background(), cfg, deps)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, false
	}
	return cfg, st, true
}

// serve wires the proxy together: config, shared state, the proxy state,
// upstream, listeners, the admin API, background loops, and graceful
// shutdown on SIGTERM or SIGINT.
func serve(args []string, stdout, stderr io.Writer) int {
	path, code, ok := configFlag(newCommand("serve", serveUsage), args, stdout, stderr)
	if !ok {
		return code
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	slog.SetDefault(log) // packages that log through the default logger write here too
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	sh, err := openShared(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "poolguard:", err)
		return 1
	}
	defer sh.shutdown()
	obs, err := openObservers(cfg, sh)
	if err != nil {
		fmt.Fprintln(stderr, "poolguard:", err)
		return 1
	}
	defer obs.close() // after Serve has drained: the log queue is flushed last
	sh.deps.Observer = obs.observers
	st, err := server.BuildState(ctx, cfg, sh.deps) // sources bounded by DefaultSourceTimeout
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	up := server.BuildUpstream(cfg)
	defer up.Close() // until the handler owns it
	ls, err := listen(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "poolguard:", err)
		return 1
	}
	front, err := tlsserve.Start(ctx, cfg.TLS, ls.public.Addr().String(), log)
	if err != nil {
		fmt.Fprintln(stderr, "poolguard:", err)
		return 1
	}
	if front != nil {
		metrics.RegisterCertExpiry(obs.metrics.Registry(), front.CertificateExpiry)
	}
	go sweep(ctx, sh.store, time.Minute)
	go sh.deps.Secrets.Run(ctx)
	handler := proxy.New(st, up, log, obs.observers)
	defer handler.Close() // after Serve has drained
	reloader := server.NewReloader(path, cfg, sh.deps, handler, log)
	metrics.RegisterReloads(obs.metrics.Registry(), reloader)
	go reloadOnHangup(ctx, reloader)
	srv := server.New(cfg, obs.metrics.InFlight(handler), log)
	if front != nil {
		srv.UseTLS(front.TLSConfig())
	}
	if g := sh.guard; g != nil {
		handler.SetDegraded(g.Degraded)
		srv.SetReadiness(func() (bool, string) { return server.RateStoreReadiness(g) })
	}
	srv.AdminMux().Handle("GET /metrics", obs.metrics.Handler())
	if err := mountAdminAPI(srv, cfg, sh, handler, reloader, log, obs.metrics.Registry()); err != nil {
		fmt.Fprintln(stderr, "poolguard:", err)
		return 1
	}
	if ls.hostedUI != nil {
		srv.AddListener(ls.hostedUI, handler.HostedUIHandler())
	}
	if err := srv.Serve(ctx, ls.public, ls.admin); err != nil {
		log.Error("stopped", "err", err)
		return 1
	}
	return 0
}

// mountAdminAPI adds the admin API (off without admin.token or
// admin.tokens) to the admin listener; its audit records go to log, its
// change counter to reg.
func mountAdminAPI(srv *server.Server, cfg *config.Config, sh *shared, h *proxy.Handler, r *server.Reloader,
	log *slog.Logger, reg prometheus.Registerer) error {
	token := ""
	if cfg.Admin.Token != "" {
		v, err := secrets.Resolve(cfg.Admin.Token)
		if err != nil {
			return fmt.Errorf("admin.token: %w", err)
		}
		token = string(v.Bytes())
	}
	tokens := map[string]string{}
	for i, t := range cfg.Admin.Tokens {
		v, err := secrets.Resolve(t.Token)
		if err != nil {
			return fmt.Errorf("admin.tokens[%d] (%s): %w", i, t.Name, err)
		}
		tokens[t.Name] = string(v.Bytes())
	}
	srv.AdminMux().Handle("/v1/", adminapi.New(adminapi.Options{
		Token: token, TokenName: cfg.Admin.TokenName, Tokens: tokens, IPSets: sh.deps.IPSets,
		Audit: log.With("log", "audit"), Registerer: reg,
		Reload: func(_ context.Context, force bool) error {
			if force {
				return r.ReloadForce()
			}
			return r.Reload()
		},
		RateLimited: sh.rateLimited(h),
	}))
	return nil
}

// reloadOnHangup reloads the config on every SIGHUP until ctx is done.
func reloadOnHangup(ctx context.Context, r *server.Reloader) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			_ = r.ReloadContext(ctx, false) // logged; the running config stays on failure
		}
	}
}

// sweep evicts idle rate-limit keys every interval until ctx is done.
func sweep(ctx context.Context, store sweeper, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			store.Sweep(now)
		}
	}
}

// listeners are the sockets serve opens.
type listeners struct {
	public, admin, hostedUI net.Listener
}

func listen(cfg *config.Config) (ls listeners, err error) {
	defer func() {
		if err != nil {
			for _, l := range []net.Listener{ls.public, ls.admin, ls.hostedUI} {
				if l != nil {
					l.Close()
				}
			}
		}
	}()
	if ls.public, err = net.Listen("tcp", cfg.Listen); err != nil {
		return ls, fmt.Errorf("listen: %w", err)
	}
	if ls.admin, err = net.Listen("tcp", cfg.AdminListen); err != nil {
		return ls, fmt.Errorf("admin_listen: %w", err)
	}
	if !cfg.Upstream.HostedUI.IsZero() {
		if ls.hostedUI, err = net.Listen("tcp", cfg.HostedUI.Listen); err != nil {
			return ls, fmt.Errorf("hosted_ui.listen: %w", err)
		}
	}
	return ls, nil
}
