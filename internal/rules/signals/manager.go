package signals

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"time"
)

// Config describes the signal sources of one configuration.
type Config struct {
	// Lists are the IP lists.
	Lists []ListConfig
	// GeoDatabase is the path of a MaxMind-format database; "" for none.
	GeoDatabase string
	// Bots adds the bot-control signal labels.
	Bots bool
	// CacheDir, when set, keeps the last good copy of every list there.
	CacheDir string
}

// Manager owns signal sources across configuration reloads: a list or
// database whose configuration did not change is reused, keeping its
// contents and refresh state. It is safe for concurrent use.
type Manager struct {
	log    *slog.Logger
	client *http.Client

	mu    sync.Mutex
	lists map[ListConfig]*List
	geos  map[string]*Geo
}

// NewManager returns a Manager that fetches lists with client
// (http.DefaultClient when nil) and logs refresh failures to log.
func NewManager(log *slog.Logger, client *http.Client) *Manager {
	if log == nil {
		log = slog.Default()
	}
	if client == nil {
		client = &http.Client{Timeout: time.Minute}
	}
	return &Manager{log: log, client: client, lists: map[ListConfig]*List{}, geos: map[string]*Geo{}}
}

// Build returns the Signals for cfg. Sources new to this Manager are loaded
// now; a list that cannot be loaded (and has no cached copy) or a database
// that cannot be opened is an error naming it. Sources the previous Build
// used and cfg does not are dropped. The Manager's lock is not held while
// lists download: a slow source delays this Build only, not a concurrent
// one nor Refresh.
func (m *Manager) Build(ctx context.Context, cfg Config, now time.Time) (*Signals, error) {
	var errs []error
	lists := make([]*List, 0, len(cfg.Lists))
	keep := map[ListConfig]*List{}
	var fresh []*List
	m.mu.Lock()
	for _, lc := range cfg.Lists {
		if lc.Client == nil {
			lc.Client = m.client
		}
		if lc.CacheFile == "" && cfg.CacheDir != "" {
			lc.CacheFile = filepath.Join(cfg.CacheDir, lc.Name+".list")
		}
		l := m.lists[lc]
		if l == nil {
			var err error
			if l, err = NewList(lc); err != nil {
				errs = append(errs, err)
				continue
			}
			fresh = append(fresh, l)
		}
		keep[lc] = l
		lists = append(lists, l)
	}
	geo := m.geos[cfg.GeoDatabase]
	m.mu.Unlock()
	for _, l := range fresh {
		if err := l.Refresh(ctx, now); err != nil && l.Status().Entries == 0 {
			errs = append(errs, err)
		} else if err != nil {
			m.log.Warn("ip list: using the cached copy", "list", l.Name(), "err", err)
		}
	}
	geos := map[string]*Geo{}
	if p := cfg.GeoDatabase; p != "" {
		if geo == nil {
			var err error
			if geo, err = OpenGeo(p); err != nil {
				errs = append(errs, err)
			}
		}
		if geo != nil {
			geos[p] = geo
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("signals: %w", err)
	}
	m.mu.Lock()
	m.lists, m.geos = keep, geos
	m.mu.Unlock()
	return New(lists, geo, cfg.Bots), nil
}

// Refresh refreshes every list that is due at now and reloads changed geo
// databases. Failures are logged; the sources keep their last good data.
func (m *Manager) Refresh(ctx context.Context, now time.Time) {
	m.mu.Lock()
	lists := make([]*List, 0, len(m.lists))
	for _, l := range m.lists {
		lists = append(lists, l)
	}
	geos := make([]*Geo, 0, len(m.geos))
	for _, g := range m.geos {
		geos = append(geos, g)
	}
	m.mu.Unlock()
	for _, l := range lists {
		if !l.Due(now) {
			continue
		}
		if err := l.Refresh(ctx, now); err != nil {
			st := l.Status()
			m.log.Warn("ip list refresh failed; keeping the last good copy", "list", l.Name(), "entries", st.Entries, "failures", st.Failures, "err", err)
		}
	}
	for _, g := range geos {
		if changed, err := g.Reload(); err != nil {
			m.log.Warn("geo database reload failed; keeping the loaded one", "err", err)
		} else if changed {
			m.log.Info("geo database reloaded", "path", g.path)
		}
	}
}

// Run calls Refresh every tick until ctx ends.
func (m *Manager) Run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			m.Refresh(ctx, now)
		}
	}
}
