package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// Policy is what a Guard does while Redis is unreachable.
type Policy uint8

// Failure policies.
const (
	// FailOpen decides with a local in-memory store, on a share of each
	// limit (the limit divided by the number of live replicas).
	FailOpen Policy = iota
	// FailClosed returns an error wrapping ErrUnavailable.
	FailClosed
)

// DefaultBudget is how long a rate decision waits for Redis by default.
// A healthy Redis answers the decision script in well under a millisecond
// on a LAN and a few milliseconds at p99 under load, while the Cognito call
// behind the proxy takes 50 to 300 ms: 50 ms is ten times a healthy store's
// worst case yet adds at most a fraction of one upstream call to the
// request that finds the store broken (the next ones skip it).
const DefaultBudget = 50 * time.Millisecond

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
	// Policy applies to the hits whose node's circuit is open.
	Policy Policy
	// Local decides under FailOpen; nil means a new ratelimit.Memory.
	Local *ratelimit.Memory
	// Budget bounds how long one rate decision waits for Redis, all its
	// script calls together (default DefaultBudget). When it passes, the
	// node's circuit opens and the policy decides.
	Budget time.Duration
	// Replicas returns the number of live replicas sharing the limits (a
	// Heartbeat's Live, or a configured number); FailOpen counts each key
	// locally against limit ÷ replicas. Nil means 1.
	Replicas func() int
	// MinBackoff and MaxBackoff bound the background probe's exponential
	// backoff while a circuit is open (default 50 ms and 500 ms).
	MinBackoff, MaxBackoff time.Duration
	// OnChange, if set, is called when a node's circuit opens (true) and
	// when it closes again (false), for logs.
	OnChange func(node string, open bool)
	// Observe, if set, receives the duration of every script call on the
	// request path and whether it failed (a latency histogram).
	Observe func(d time.Duration, failed bool)
}

// Guard is a ratelimit.Store that puts a circuit breaker and a failure
// policy in front of a Redis Store, one circuit per Redis node (per Cluster
// master; one for a standalone or Sentinel-managed server).
//
// A decision waits at most the budget. A script call that fails or times
// out opens its node's circuit at once: until a background probe finds the
// node answering again (or, in a Cluster, finds its slots served by
// another master), the hits on that node's keys skip Redis and are decided
// locally (FailOpen) or refused (FailClosed). Keys on other nodes keep
// their shared counters. Requests never wait for a reconnection and never
// probe. When a circuit closes, the hits counted locally meanwhile are
// added to the shared counters.
//
// A Guard is safe for concurrent use. Create one with NewGuard and stop its
// probes with Close.
type Guard struct {
	store *Store
	o     GuardOptions

	circuits atomic.Pointer[map[string]*circuit]
	mu       sync.Mutex // guards circuits' writers and the degraded clock
	nOpen    int
	since    time.Time     // when the first of the open circuits opened
	total    time.Duration // closed degraded periods

	fallbacks atomic.Uint64
	replayed  atomic.Uint64
	journal   journal

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// circuit is one node's breaker.
type circuit struct {
	node string
	open atomic.Bool
}

var _ ratelimit.Store = (*Guard)(nil)

// NewGuard returns a guard around store.
func NewGuard(store *Store, o GuardOptions) *Guard {
	if o.Local == nil {
		o.Local = ratelimit.NewMemory()
	}
	if o.Budget <= 0 {
		o.Budget = DefaultBudget
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 50 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(500*time.Millisecond, o.MinBackoff)
	}
	g := &Guard{store: store, o: o}
	g.circuits.Store(&map[string]*circuit{})
	g.ctx, g.cancel = context.WithCancel(context.Background())
	return g
}

// Decide implements ratelimit.Store. It waits at most the budget for
// Redis. Under FailClosed, a hit on a node whose circuit is open makes it
// return an error wrapping ErrUnavailable.
func (g *Guard) Decide(ctx context.Context, now time.Time, hits []ratelimit.Hit, results []ratelimit.Result) error {
	if len(results) < len(hits) {
		return ratelimit.ErrResultsTooShort
	}
	for i := range hits {
		if err := ratelimit.CheckHit(&hits[i]); err != nil {
			return err
		}
	}
	if len(hits) == 0 {
		return nil
	}
	bctx, cancel := context.WithTimeout(ctx, g.o.Budget)
	defer cancel()
	d := decision{ctx: ctx, bctx: bctx, now: now}
	d.arrival, d.query = ticks(now)
	for i := 0; i < len(hits); {
		j := g.store.runEnd(hits, i)
		stopped, err := g.decideRun(&d, hits[i:j], results[i:j])
		if err != nil {
			if d.local {
				g.fallbacks.Add(1)
			}
			return err
		}
		if stopped {
			clear(results[j:len(hits)])
			break
		}
		i = j
	}
	if d.local {
		g.fallbacks.Add(1)
	}
	return nil
}

// decision is one Decide call's context and times.
type decision struct {
	ctx, bctx      context.Context // the caller's, and it bounded by the budget
	now            time.Time
	arrival, query int64
	local          bool // some hit was decided without Redis
}

// slotMap names the pseudo-node whose circuit opens when a Cluster client
// cannot even tell which node holds a key (no slot map yet).
const slotMap = "slot-map"

// decideRun decides one run of hits (one script call's worth) and reports
// whether a terminating hit was over.
func (g *Guard) decideRun(d *decision, hits []ratelimit.Hit, results []ratelimit.Result) (bool, error) {
	if g.store.cluster {
		// Without a slot map, finding a key's node would wait for one.
		if c := g.circuit(slotMap); c.open.Load() {
			d.local = true
			return g.fallback(d, slotMap, hits, results)
		}
	}
	node, probe, err := g.store.node(d.bctx, hits[0].Key)
	if err != nil {
		node = slotMap
	}
	c := g.circuit(node)
	if err == nil && !c.open.Load() {
		replay := g.journal.forHits(hits)
		start := time.Now()
		stopped, err := g.store.runReplay(d.bctx, replay, hits, results, d.arrival, d.query)
		if g.o.Observe != nil {
			g.o.Observe(time.Since(start), err != nil)
		}
		if err == nil {
			g.replayed.Add(uint64(len(replay)))
			return stopped, nil
		}
		g.journal.putBack(node, replay)
		if !errors.Is(err, ErrUnavailable) || d.ctx.Err() != nil {
			return false, err // a malformed hit, or the client went away
		}
	}
	if !c.open.Load() {
		g.trip(c, probe)
	}
	d.local = true
	return g.fallback(d, node, hits, results)
}

// fallback decides hits without Redis under the policy.
func (g *Guard) fallback(d *decision, node string, hits []ratelimit.Hit, results []ratelimit.Result) (bool, error) {
	if g.o.Policy == FailClosed {
		return false, fmt.Errorf("%w: node %s: circuit open", ErrUnavailable, node)
	}
	n := g.replicas()
	stopped := false
	for i := range hits {
		h := hits[i]
		if count, over := g.store.isOver(h.Rule, h.Key, d.query); over {
			// Seen over the shared limit within its window: still over.
			results[i] = ratelimit.Result{Counted: true, Count: count, Over: true}
		} else {
			h.Limit = share(h.Limit, n)
			one := [1]ratelimit.Hit{h}
			if err := g.o.Local.Decide(d.ctx, d.now, one[:], results[i:i+1]); err != nil {
				return false, err
			}
		}
		if results[i].Over && h.Terminating {
			clear(results[i+1:])
			stopped = true
			break
		}
	}
	g.journal.add(node, hits, results, d.arrival)
	return stopped, nil
}

// share returns the part of limit one of n replicas may admit alone.
func share(limit int64, n int) int64 {
	if n <= 1 {
		return limit
	}
	return max(1, limit/int64(n))
}

func (g *Guard) replicas() int {
	if g.o.Replicas == nil {
		return 1
	}
	return max(1, g.o.Replicas())
}

// circuit returns node's circuit, creating a closed one.
func (g *Guard) circuit(node string) *circuit {
	if c := (*g.circuits.Load())[node]; c != nil {
		return c
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	old := *g.circuits.Load()
	if c := old[node]; c != nil {
		return c
	}
	m := make(map[string]*circuit, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	c := &circuit{node: node}
	m[node] = c
	g.circuits.Store(&m)
	return c
}

// trip opens c and starts its probe, once.
func (g *Guard) trip(c *circuit, probe string) {
	if !c.open.CompareAndSwap(false, true) {
		return
	}
	g.mu.Lock()
	if g.nOpen == 0 {
		g.since = time.Now()
	}
	g.nOpen++
	g.mu.Unlock()
	if g.o.OnChange != nil {
		g.o.OnChange(c.node, true)
	}
	g.wg.Add(1)
	go g.probe(c, probe)
}

// probe checks c's node with exponential backoff until it answers (or its
// slots moved), then closes c and adds the hits counted locally meanwhile
// to the shared counters.
func (g *Guard) probe(c *circuit, key string) {
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
		if g.check(c, key) {
			g.close(c)
			return
		}
		wait = min(2*wait, g.o.MaxBackoff)
		t.Reset(wait)
	}
}

// check reports whether c's node answers again.
func (g *Guard) check(c *circuit, key string) bool {
	ctx, cancel := context.WithTimeout(g.ctx, time.Second)
	defer cancel()
	if c.node == slotMap {
		_, _, err := g.store.node(ctx, []byte("probe"))
		return err == nil
	}
	return g.store.healthy(ctx, c.node, key)
}

// close closes c and replays its journal.
func (g *Guard) close(c *circuit) {
	c.open.Store(false)
	g.mu.Lock()
	g.nOpen--
	if g.nOpen == 0 {
		g.total += time.Since(g.since)
	}
	g.mu.Unlock()
	if g.o.OnChange != nil {
		g.o.OnChange(c.node, false)
	}
	ctx, cancel := context.WithTimeout(g.ctx, 10*time.Second)
	defer cancel()
	n, rest, _ := g.store.replay(ctx, time.Now(), g.journal.take(c.node))
	g.replayed.Add(uint64(n))
	g.journal.putBack(c.node, rest) // replayed with the keys' next shared decisions
}

// Degraded reports whether some node's circuit is open.
func (g *Guard) Degraded() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.nOpen > 0
}

// DegradedTime returns the total time during which some circuit was open.
func (g *Guard) DegradedTime() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.total
	if g.nOpen > 0 {
		d += time.Since(g.since)
	}
	return d
}

// NodeState is one node's circuit.
type NodeState struct {
	// Node is the node's address ("slot-map" while a Cluster client has no
	// slot map, "sentinel" for a Sentinel-managed master).
	Node string
	// Open reports whether its keys are decided without Redis.
	Open bool
}

// Circuits returns the state of every node's circuit seen so far, by node.
func (g *Guard) Circuits() []NodeState {
	m := *g.circuits.Load()
	out := make([]NodeState, 0, len(m))
	for _, c := range m {
		out = append(out, NodeState{Node: c.node, Open: c.open.Load()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	return out
}

// Fallbacks returns the number of requests with some rate decision taken
// without Redis: locally under FailOpen, refused under FailClosed.
func (g *Guard) Fallbacks() uint64 { return g.fallbacks.Load() }

// Replayed returns the number of locally counted hits added to the shared
// counters after their node recovered.
func (g *Guard) Replayed() uint64 { return g.replayed.Load() }

// Policy returns the guard's failure policy.
func (g *Guard) Policy() Policy { return g.o.Policy }

// OverKeys returns rule's over-limit keys seen by this replica, from Redis
// decisions and local ones, highest count first.
func (g *Guard) OverKeys(rule string, now time.Time) []ratelimit.OverKey {
	keys := g.store.OverKeys(rule, now)
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
	g.store.Sweep(now)
}

// Close stops the probes. The guard stays usable; open circuits no longer
// close.
func (g *Guard) Close() {
	g.cancel()
	g.wg.Wait()
}
