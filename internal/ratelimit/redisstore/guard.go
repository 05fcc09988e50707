package redisstore

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poolguard/poolguard/internal/ratelimit"
)

// Policy is what a Guard does while Redis is unreachable.
type Policy uint8

// Failure policies.
const (
	// FailOpen decides with a local in-memory store (limits per replica).
	FailOpen Policy = iota
	// FailClosed returns an error wrapping ErrUnavailable.
	FailClosed
)

// ParsePolicy returns the policy named s: "fail_open" (or "") or "fail_closed".
func ParsePolicy(s string) (Policy, bool) {
	switch s {
	case "", "fail_open":
		return FailOpen, true
	case "fail_closed":
		return FailClosed, true
	}
	return 0, false
}

// String returns the policy's config name.
func (p Policy) String() string {
	if p == FailClosed {
		return "fail_closed"
	}
	return "fail_open"
}

// GuardOptions configure a Guard.
type GuardOptions struct {
	// Policy applies while the shared store is unreachable.
	Policy Policy
	// Local decides under FailOpen; nil means a new ratelimit.Memory.
	Local *ratelimit.Memory
	// Ping reports whether the shared store answers again (Store.Ping).
	Ping func(context.Context) error
	// MinBackoff and MaxBackoff bound the probe's exponential backoff
	// (default 50 ms and 2 s).
	MinBackoff, MaxBackoff time.Duration
	// OnChange, if set, is called when the guard becomes degraded (true)
	// and when it recovers (false), for logs and metrics.
	OnChange func(degraded bool)
}

// sharedStore is what a Guard guards: a Store with a replica-local view of
// its over-limit keys.
type sharedStore interface {
	ratelimit.Store
	OverKeys(rule string, now time.Time) []ratelimit.OverKey
	Sweep(now time.Time)
}

// Guard is a ratelimit.Store that applies a failure policy to a shared
// store. When a Decide fails because Redis does not answer, the guard
// becomes degraded: until a background probe (exponential backoff) finds
// Redis answering again, requests skip Redis and are decided locally
// (FailOpen) or refused (FailClosed), so an outage adds no latency.
//
// A Guard is safe for concurrent use. Create one with NewGuard and stop its
// probe with Close.
type Guard struct {
	shared    sharedStore
	o         GuardOptions
	degraded  atomic.Bool
	fallbacks atomic.Uint64
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

var _ ratelimit.Store = (*Guard)(nil)

// NewGuard returns a guard around shared.
func NewGuard(shared sharedStore, o GuardOptions) *Guard {
	if o.Local == nil {
		o.Local = ratelimit.NewMemory()
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 50 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(2*time.Second, o.MinBackoff)
	}
	g := &Guard{shared: shared, o: o}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	return g
}

// Decide implements ratelimit.Store. Under FailClosed, while Redis is
// unreachable, it returns an error wrapping ErrUnavailable.
func (g *Guard) Decide(ctx context.Context, now time.Time, hits []ratelimit.Hit, results []ratelimit.Result) error {
	if !g.degraded.Load() {
		err := g.shared.Decide(ctx, now, hits, results)
		if err == nil || !errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
			return err // decided, a malformed hit, or the client went away
		}
		g.trip()
	}
	g.fallbacks.Add(1)
	if g.o.Policy == FailClosed {
		return ErrUnavailable
	}
	return g.o.Local.Decide(ctx, now, hits, results)
}

// Degraded reports whether Redis is currently considered unreachable.
func (g *Guard) Degraded() bool { return g.degraded.Load() }

// Fallbacks returns the number of requests decided without Redis: locally
// under FailOpen, refused under FailClosed.
func (g *Guard) Fallbacks() uint64 { return g.fallbacks.Load() }

// Policy returns the guard's failure policy.
func (g *Guard) Policy() Policy { return g.o.Policy }

// OverKeys returns rule's over-limit keys seen by this replica, from Redis
// decisions and local ones, highest count first.
func (g *Guard) OverKeys(rule string, now time.Time) []ratelimit.OverKey {
	keys := g.shared.OverKeys(rule, now)
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		seen[k.Key] = true
	}
	for _, k := range g.o.Local.OverKeys(rule, now) {
		if !seen[k.Key] {
			keys = append(keys, k)
		}
	}
	sortOverKeys(keys)
	return keys
}

// Sweep drops idle local keys and stale over-limit records; call it
// periodically (for example once a minute).
func (g *Guard) Sweep(now time.Time) {
	g.o.Local.Sweep(now)
	g.shared.Sweep(now)
}

// Close stops the probe. The guard stays usable; it no longer recovers.
func (g *Guard) Close() {
	g.cancel()
	g.wg.Wait()
}

// trip marks the guard degraded and starts the probe, once.
func (g *Guard) trip() {
	if !g.degraded.CompareAndSwap(false, true) {
		return
	}
	if g.o.OnChange != nil {
		g.o.OnChange(true)
	}
	g.wg.Add(1)
	go g.probe()
}

// probe pings with exponential backoff until Redis answers.
func (g *Guard) probe() {
	defer g.wg.Done()
	wait := g.o.MinBackoff
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-g.ctx.Done():
			return
		case <-t.C:
		}
		if g.o.Ping == nil || g.ping() == nil {
			g.degraded.Store(false)
			if g.o.OnChange != nil {
				g.o.OnChange(false)
			}
			return
		}
		wait = min(2*wait, g.o.MaxBackoff)
		t.Reset(wait)
	}
}

func (g *Guard) ping() error {
	ctx, cancel := context.WithTimeout(g.ctx, time.Second)
	defer cancel()
	return g.o.Ping(ctx)
}
