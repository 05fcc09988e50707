package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/proxy"
)

// ErrReloadSuperseded is wrapped by the error of a reload that finished
// opening its sources after a reload that started later had already been
// applied: the newer config stays. Test with errors.Is.
var ErrReloadSuperseded = errors.New("a newer reload was applied first")

// Reloader rebuilds the proxy's state from its config file and swaps it in
// atomically. A config that fails to load leaves the running one in place.
// It is safe for concurrent use. A reload reads the file and opens its
// network sources (OpenSources: secrets, credentials, lists) without any
// lock, bounded by its context; only compiling and swapping are
// serialised, so a slow source delays its own reload and nothing else.
// Reloads are applied in the order they started.
type Reloader struct {
	path    string
	deps    Deps
	handler *proxy.Handler
	log     *slog.Logger

	// started numbers reloads as they begin.
	started atomic.Uint64

	mu       sync.Mutex
	applied  uint64 // the number of the last reload applied; guarded by mu
	current  *config.Config
	failures atomic.Int64
	reloads  atomic.Int64
	loadedAt atomic.Int64 // Unix nanoseconds of the running config's load
	lastOK   atomic.Bool
}

// NewReloader returns a Reloader for the config at path, currently cfg,
// serving through handler.
func NewReloader(path string, cfg *config.Config, deps Deps, handler *proxy.Handler, log *slog.Logger) *Reloader {
	r := &Reloader{path: path, deps: deps, handler: handler, log: log, current: cfg}
	r.loadedAt.Store(time.Now().UnixNano())
	r.lastOK.Store(true)
	return r
}

// Reload loads the config file again and, if it is valid, publishes it.
// Listener addresses cannot change without a restart; a change to them is
// reported and ignored. A config that would remove every client or web
// ACL rule, or more than half of either, is refused (ErrReloadShrinks)
// unless its reload_confirm names the new counts.
func (r *Reloader) Reload() error { return r.ReloadContext(context.Background(), false) }

// ReloadForce is Reload without the check that the new config keeps most
// clients and web ACL rules (the admin API's force=true).
func (r *Reloader) ReloadForce() error { return r.ReloadContext(context.Background(), true) }

// ReloadContext is Reload (or ReloadForce, with force) with ctx bounding
// the opening of the new config's sources (DefaultSourceTimeout when ctx
// has no deadline).
func (r *Reloader) ReloadContext(ctx context.Context, force bool) error {
	n := r.started.Add(1)
	cfg, err := config.Load(r.path)
	var src *Sources
	var openErr error
	if err == nil {
		src, openErr = OpenSources(ctx, cfg, r.deps) // no lock held: network calls
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		if n < r.applied {
			r.log.Info("reload superseded by a newer one; keeping it", "config", r.path)
			return fmt.Errorf("%s: %w", r.path, ErrReloadSuperseded)
		}
		if err = r.apply(cfg, src, openErr, force); err == nil {
			r.applied = n
		}
	}
	if err != nil {
		r.failures.Add(1)
		r.lastOK.Store(false)
		r.log.Error("reload failed; keeping the running config", "config", r.path, "err", err)
		return err
	}
	r.reloads.Add(1)
	r.loadedAt.Store(time.Now().UnixNano())
	r.lastOK.Store(true)
	r.log.Info("reloaded", "config", r.path)
	return nil
}

// apply compiles cfg with src and swaps it in; openErr (OpenSources's) is
// reported with the compile's own problems.
func (r *Reloader) apply(cfg *config.Config, src *Sources, openErr error, force bool) error {
	st, err := Compile(cfg, src, r.deps)
	if err := errors.Join(openErr, err); err != nil {
		return err
	}
	if err := checkShrink(cfg.File, r.handler.State(), st, cfg.ReloadConfirm, force); err != nil {
		return err
	}
	if cfg.Listen != r.current.Listen || cfg.AdminListen != r.current.AdminListen {
		r.log.Warn("listen addresses change only on restart", "listen", r.current.Listen, "admin_listen", r.current.AdminListen)
	}
	var up *proxy.Upstream // nil keeps the running one
	if cfg.Upstream != r.current.Upstream {
		up = BuildUpstream(cfg)
	}
	// One swap: requests in flight finish on the old state and upstream,
	// whose connections the handler closes as those requests end.
	r.handler.Swap(st, up)
	r.current = cfg
	return nil
}

// Failures returns the number of failed reloads.
func (r *Reloader) Failures() int64 { return r.failures.Load() }

// Reloads returns the number of successful reloads.
func (r *Reloader) Reloads() int64 { return r.reloads.Load() }

// LastReload returns when the running config was loaded (at start or by
// the last successful reload) and whether the last reload attempt
// succeeded (true when none was tried).
func (r *Reloader) LastReload() (at time.Time, ok bool) {
	return time.Unix(0, r.loadedAt.Load()), r.lastOK.Load()
}
