package ipsets

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/poolguard/poolguard/internal/rules/prefixset"
)

// Origin says where a set comes from.
type Origin string

// Origins of a set.
const (
	// Config sets are defined in the configuration, by a preset or by
	// waf.ip_sets.
	Config Origin = "config"
	// Runtime sets exist only through runtime changes.
	Runtime Origin = "runtime"
)

// namePattern is AWS WAF's IPSet name pattern.
var namePattern = regexp.MustCompile(`^[\w-]{1,128}$`)

// Registry holds the named IP sets the web ACL matches against: each set's
// addresses from config (static) with the runtime overlay (additions and
// removals, optionally expiring) applied. It keeps one *prefixset.Set per name
// for its whole life and changes its contents with Replace, so a compiled
// web ACL sees every change at once and without locks.
//
// A Registry is safe for concurrent use. Create one with Open.
type Registry struct {
	backend Backend
	mu      sync.Mutex
	state   State
	version int64
	sets    map[string]*entry
	// nextExpiry is the earliest expiry in state, zero if none.
	nextExpiry time.Time
}

type entry struct {
	set     *prefixset.Set
	static  []netip.Prefix // nil for a runtime set
	origin  Origin
	version string // "IPV4", "IPV6" or "" (either)
}

// Open returns a registry with the state backend holds (nil: nothing is
// persisted), with entries expired at now dropped.
func Open(ctx context.Context, backend Backend, now time.Time) (*Registry, error) {
	r := &Registry{backend: backend, state: State{}, sets: map[string]*entry{}}
	if backend != nil {
		st, v, err := backend.Load(ctx)
		if err != nil {
			return nil, fmt.Errorf("ip sets: load state: %w", err)
		}
		r.state, r.version = st, v
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.state.Prune(now)
	for name := range r.state {
		r.runtimeEntry(name)
	}
	r.refreshAll(now)
	return r, nil
}

// runtimeEntry returns the entry of name, creating a runtime set if absent.
func (r *Registry) runtimeEntry(name string) *entry {
	if e := r.sets[name]; e != nil {
		return e
	}
	s, _ := prefixset.New(name, nil)
	e := &entry{set: s, origin: Runtime}
	r.sets[name] = e
	return e
}

// contents returns e's effective prefixes at now, sorted.
func contents(e *entry, ov *Overlay, now time.Time) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(e.static))
	for _, p := range e.static {
		if ov == nil || !live(ov.Remove, p, now) {
			out = append(out, p)
		}
	}
	if ov != nil {
		for p, exp := range ov.Add {
			if !expired(exp, now) {
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, comparePrefix)
	return slices.Compact(out)
}

func live(m map[netip.Prefix]time.Time, p netip.Prefix, now time.Time) bool {
	exp, ok := m[p]
	return ok && !expired(exp, now)
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// refreshAll recomputes every set and nextExpiry. r.mu must be held.
func (r *Registry) refreshAll(now time.Time) {
	for name, e := range r.sets {
		_ = e.set.Replace(contents(e, r.state[name], now))
	}
	r.nextExpiry = time.Time{}
	for _, ov := range r.state {
		for _, m := range []map[netip.Prefix]time.Time{ov.Add, ov.Remove} {
			for _, exp := range m {
				if !exp.IsZero() && (r.nextExpiry.IsZero() || exp.Before(r.nextExpiry)) {
					r.nextExpiry = exp
				}
			}
		}
	}
}

// Add adds prefixes to set name (creating a runtime set if name is unknown)
// until now+ttl, or for good if ttl is 0. The change is persisted first; on
// a backend error nothing changes.
func (r *Registry) Add(ctx context.Context, now time.Time, name string, prefixes []netip.Prefix, ttl time.Duration) error {
	return r.change(ctx, now, name, OpAdd, prefixes, ttl)
}

// Remove removes prefixes from set name until now+ttl (0: for good). An
// address listed in config is hidden; one added at run time is forgotten.
func (r *Registry) Remove(ctx context.Context, now time.Time, name string, prefixes []netip.Prefix, ttl time.Duration) error {
	return r.change(ctx, now, name, OpRemove, prefixes, ttl)
}

// ErrUnknownSet is returned by Remove for a set that does not exist.
var ErrUnknownSet = errors.New("unknown IP set")

// ErrPersist is wrapped by Add and Remove errors when the backend failed;
// the change was not made.
var ErrPersist = errors.New("state backend failed")

func (r *Registry) change(ctx context.Context, now time.Time, name string, op Op, prefixes []netip.Prefix, ttl time.Duration) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("IP set name %q: must be 1 to 128 letters, digits, '_' or '-'", name)
	}
	if ttl < 0 {
		return fmt.Errorf("ttl %v: must not be negative", ttl)
	}
	var exp time.Time
	if ttl > 0 {
		exp = now.Add(ttl)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var changes []Change
	if op == OpAdd {
		changes = []Change{{Set: name, Op: OpAdd, Prefixes: prefixes, Expires: exp}}
	} else {
		e := r.sets[name]
		if e == nil {
			return fmt.Errorf("%w %q", ErrUnknownSet, name)
		}
		var hide, forget []netip.Prefix
		for _, p := range prefixes {
			if slices.Contains(e.static, p) {
				hide = append(hide, p)
			} else {
				forget = append(forget, p)
			}
		}
		if len(hide) > 0 {
			changes = append(changes, Change{Set: name, Op: OpRemove, Prefixes: hide, Expires: exp})
		}
		if len(forget) > 0 {
			changes = append(changes, Change{Set: name, Op: OpForget, Prefixes: forget})
		}
	}
	for _, c := range changes {
		after := r.state.Clone()
		after.Apply(c)
		after.Prune(now)
		if r.backend != nil {
			v, err := r.backend.Apply(ctx, c, now, after)
			if err != nil {
				return fmt.Errorf("ip set %s: %w: %w", name, ErrPersist, err)
			}
			r.version = v
		}
		r.state = after
	}
	r.runtimeEntry(name)
	r.refreshAll(now)
	return nil
}

// Expire drops entries that lapsed at now from the sets. Run calls it.
func (r *Registry) Expire(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.nextExpiry.IsZero() || now.Before(r.nextExpiry) {
		return
	}
	r.state.Prune(now)
	r.refreshAll(now)
}

// Sync loads the backend's state if another replica changed it. Run calls
// it.
func (r *Registry) Sync(ctx context.Context, now time.Time) error {
	if r.backend == nil {
		return nil
	}
	v, err := r.backend.Version(ctx)
	if err != nil {
		return err
	}
	r.mu.Lock()
	same := v == r.version
	r.mu.Unlock()
	if same {
		return nil
	}
	st, v, err := r.backend.Load(ctx)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st.Prune(now)
	r.state, r.version = st, v
	for name := range st {
		r.runtimeEntry(name)
	}
	r.refreshAll(now)
	return nil
}

// Run calls Sync and Expire every interval (250 ms if 0), with now from
// clock, until ctx is done. Sync errors go to onErr (which may be nil); the
// sets keep their contents meanwhile.
func (r *Registry) Run(ctx context.Context, interval time.Duration, clock func() time.Time, onErr func(error)) {
	if interval <= 0 {
		interval = 250 * time.Millisecond
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := clock()
		if err := r.Sync(ctx, now); err != nil && onErr != nil && ctx.Err() == nil {
			onErr(err)
		}
		r.Expire(now)
	}
}
