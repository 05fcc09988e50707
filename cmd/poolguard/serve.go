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

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/proxy"
	"github.com/poolguard/poolguard/internal/ratelimit"
	"github.com/poolguard/poolguard/internal/secrets"
	"github.com/poolguard/poolguard/internal/server"
)

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
	st, err := server.BuildState(cfg, deps)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, false
	}
	return cfg, st, true
}

func validate(args []string, stdout, stderr io.Writer) int {
	path, ok := configFlag("validate", args, stderr)
	if !ok {
		return 2
	}
	if _, _, ok := load(path, server.Deps{Store: ratelimit.NewMemory()}, stderr); !ok {
		return 1
	}
	fmt.Fprintln(stdout, path+": ok")
	return 0
}

// serve wires the proxy together: config, state, upstream, listeners,
// the rate store's sweeper, and graceful shutdown on SIGTERM or SIGINT.
func serve(args []string, stderr io.Writer) int {
	path, ok := configFlag("serve", args, stderr)
	if !ok {
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	store := ratelimit.NewMemory()
	deps := server.Deps{Store: store, Secrets: secrets.NewAWSSources(log)}
	cfg, st, ok := load(path, deps, stderr)
	if !ok {
		return 1
	}
	up, err := server.BuildUpstream(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer up.Close()
	public, admin, err := listen(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "poolguard:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go sweep(ctx, store, time.Minute)
	go deps.Secrets.Run(ctx)
	handler := proxy.New(st, up, log, nil)
	reloader := server.NewReloader(path, cfg, deps, handler, log)
	go reloadOnHangup(ctx, reloader)
	srv := server.New(cfg, handler, log)
	if err := srv.Serve(ctx, public, admin); err != nil {
		log.Error("stopped", "err", err)
		return 1
	}
	return 0
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
			_ = r.Reload() // logged; the running config stays on failure
		}
	}
}

// sweep evicts idle rate-limit keys every interval until ctx is done.
func sweep(ctx context.Context, store *ratelimit.Memory, interval time.Duration) {
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

func listen(cfg *config.Config) (public, admin net.Listener, err error) {
	public, err = net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, nil, fmt.Errorf("listen: %w", err)
	}
	admin, err = net.Listen("tcp", cfg.AdminListen)
	if err != nil {
		public.Close()
		return nil, nil, fmt.Errorf("admin_listen: %w", err)
	}
	return public, admin, nil
}
