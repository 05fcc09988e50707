package redisstore

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/redistest"
)

const (
	failLimit  = 100
	failWindow = time.Minute
	// failBudget is the fleet's latency budget (see guardBudget): a
	// decision that waits for a broken node waits this long.
	failBudget = guardBudget
)

// fleet is three proxy replicas' rate stores: each its own client, Store
// and Guard under fail_open, sharing one Redis deployment.
type fleet struct {
	t       *testing.T
	clients []redis.UniversalClient
	guards  []*Guard
	events  []circuitEvents // guards[i]'s circuit changes
	beats   []*Heartbeat
	next    int
	lat     []time.Duration // of every decision since the last latencies call
}

func newFleet(t *testing.T, cfg ClientConfig) *fleet {
	t.Helper()
	f := &fleet{t: t}
	prefix := uniquePrefix()
	for i := range 3 {
		c, err := NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		s, err := New(c, prefix)
		if err != nil {
			t.Fatal(err)
		}
		hb := NewHeartbeat(c, prefix, fmt.Sprint("replica-", i), time.Second)
		ev := make(circuitEvents, 64)
		g := NewGuard(s, GuardOptions{Policy: FailOpen, Replicas: hb.Live, Budget: failBudget, OnChange: ev.onChange})
		t.Cleanup(g.Close)
		f.clients, f.guards, f.events, f.beats = append(f.clients, c), append(f.guards, g), append(f.events, ev), append(f.beats, hb)
	}
	// Every replica beats once the others have: each then counts three.
	for range 2 {
		for _, hb := range f.beats {
			if err := hb.Beat(context.Background(), time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, hb := range f.beats {
		if hb.Live() != 3 {
			t.Fatalf("replica %d's heartbeat sees %d live replicas, want 3", i, hb.Live())
		}
	}
	return f
}

// outcome is one decision as the attacker sees it.
type outcome struct {
	replica  int
	admitted bool
	local    bool // decided without Redis
	count    int64
}

// send decides one request for key on the next replica, round-robin. It
// fails the test if the request cannot be decided (fail_open never refuses).
func (f *fleet) send(key string) outcome {
	f.t.Helper()
	i := f.next % len(f.guards)
	f.next++
	return f.sendTo(i, key)
}

func (f *fleet) sendTo(i int, key string) outcome {
	f.t.Helper()
	g := f.guards[i]
	hits := []ratelimit.Hit{{Rule: "signin", Key: []byte(key), Limit: failLimit, Window: failWindow, Terminating: true}}
	res := make([]ratelimit.Result, 1)
	before := g.Fallbacks()
	start := time.Now()
	err := g.Decide(context.Background(), time.Now(), hits, res)
	f.lat = append(f.lat, time.Since(start))
	if err != nil {
		f.t.Fatalf("replica %d, key %s: fail_open refused a decision: %v", i, key, err)
	}
	return outcome{replica: i, admitted: !res[0].Over, local: g.Fallbacks() != before, count: res[0].Count}
}

// latencies logs p99 and max of the decisions since the last call.
func (f *fleet) latencies(what string) {
	f.t.Helper()
	l := slices.Clone(f.lat)
	f.lat = f.lat[:0]
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	f.t.Logf("%s: %d decisions, p50 %v, p99 %v, max %v (budget %v)", what, len(l), l[len(l)/2], l[len(l)*99/100], l[len(l)-1], failBudget)
}

// attack sends n requests for key round-robin and returns how many were
// admitted, failing the test on any local decision.
func (f *fleet) attack(key string, n int) int {
	f.t.Helper()
	admitted := 0
	for range n {
		o := f.send(key)
		if o.local {
			f.t.Fatalf("key %s: replica %d decided locally with Redis healthy", key, o.replica)
		}
		if o.admitted {
			admitted++
		}
	}
	return admitted
}

// keyOn returns an IP-like key, with the given prefix, whose counters live
// on the master at addr (as replica 0's client sees the slot map), and
// that is not in avoid.
func (f *fleet) keyOn(prefix, addr string, avoid ...string) string {
	f.t.Helper()
	cc := f.clients[0].(*redis.ClusterClient)
	for i := range 1000 {
		k := fmt.Sprintf("%s.%d.%d", prefix, i/250, i%250)
		m, err := cc.MasterForKey(context.Background(), "{"+string(keyTag([]byte(k)))+"}")
		if err == nil && m.Options().Addr == addr && !slices.Contains(avoid, k) {
			return k
		}
	}
	f.t.Fatalf("no key on %s", addr)
	return ""
}

// recovery follows the attacker's requests after a fault.
type recovery struct {
	admitted      map[string]int // per key, from the fault on
	admittedLocal map[string]int // of which decided without Redis
	shared        [3]time.Time   // first shared decision of each replica after the promotion
	promoted      atomic.Int64   // Unix ns at which the store's own view showed the promotion
}

// TestClusterFailover runs three replicas against a 6-node Redis Cluster
// (3 masters, 3 replicas) with an attacker round-robining over them, kills
// the master holding the attacker's keys under load, and checks what the
// issue asks for: exactly the limit before the fault; no refused request;
// at most 1.5× the limit admitted through the failover, for a key already
// over and for a fresh one; a key on another master counted exactly
// throughout; exact shared counting again within 5 s of the promotion as
// the cluster itself reports it. Decision latencies are logged.
func TestClusterFailover(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	f := newFleet(t, ClientConfig{Addresses: cl.Addrs(), Cluster: true, Timeout: 200 * time.Millisecond})
	cc := f.clients[0].(*redis.ClusterClient)
	m, err := cc.MasterForKey(context.Background(), "{"+string(keyTag([]byte("198.51.100.7")))+"}")
	if err != nil {
		t.Fatal(err)
	}
	victim := m.Options().Addr
	var other string
	for _, a := range cl.Addrs() {
		if a != victim && cl.Node(a).IsMaster() {
			other = a
			break
		}
	}
	over := f.keyOn("198.51.100", victim)      // over its limit before the fault
	fresh := f.keyOn("203.0.113", victim)      // first seen during the fault
	bystander := f.keyOn("192.0.2", other)     // on a master that stays up
	after := f.keyOn("198.18.0", victim, over) // first seen after recovery

	if got := f.attack(over, 5*failLimit); got != failLimit {
		t.Fatalf("before the fault: %d of %d admitted, want exactly %d", got, 5*failLimit, failLimit)
	}
	f.latencies("healthy cluster")
	slot, err := cl.Slot("{" + string(keyTag([]byte(fresh))) + "}")
	if err != nil {
		t.Fatal(err)
	}
	view := cl.Node(other)

	cl.Node(victim).Kill()
	killed := time.Now()
	rec := f.untilRecovered(t, cl, view, slot, victim, []string{over, fresh}, bystander)
	promoted := time.Unix(0, rec.promoted.Load())
	last := slices.MaxFunc(rec.shared[:], func(a, b time.Time) int { return a.Compare(b) })
	t.Logf("master %s killed; promotion seen by the cluster after %v; all 3 replicas counting in Redis again %v after the promotion",
		victim, promoted.Sub(killed).Round(time.Millisecond), last.Sub(promoted).Round(time.Millisecond))
	t.Logf("admitted through the failover: key already over %d (%d locally), fresh key %d (%d locally) (limit %d, 3 replicas)",
		rec.admitted[over], rec.admittedLocal[over], rec.admitted[fresh], rec.admittedLocal[fresh], failLimit)
	if last.Sub(promoted) > 5*time.Second {
		t.Errorf("shared counting resumed %v after the promotion, want within 5 s", last.Sub(promoted))
	}
	if total := failLimit + rec.admitted[over]; total*2 > 3*failLimit {
		t.Errorf("key over its limit: %d admitted in its window across the failover, want <= 1.5 × %d", total, failLimit)
	}
	if rec.admitted[fresh]*2 > 3*failLimit {
		t.Errorf("fresh key: %d admitted through the failover, want <= 1.5 × %d", rec.admitted[fresh], failLimit)
	}
	// After recovery: exact again, on the promoted master, for a new key;
	// and the fresh key's local hits were added to its shared counter.
	if got := f.attack(after, 3*failLimit); got != failLimit {
		t.Errorf("after recovery: %d of %d admitted, want exactly %d", got, 3*failLimit, failLimit)
	}
	if o := f.send(fresh); o.local || o.admitted {
		t.Errorf("fresh key after recovery: %+v; want a shared decision, over (its local hits replayed)", o)
	}
	f.latencies("after recovery")
}

// untilRecovered sends requests (for keys round-robin, and for bystander
// on every turn) until the cluster has promoted a replica for slot and
// every replica has decided a key of slot in Redis since, or 30 s pass.
func (f *fleet) untilRecovered(t *testing.T, cl *redistest.Cluster, view *redistest.Server, slot int, victim string, keys []string, bystander string) *recovery {
	t.Helper()
	rec := &recovery{admitted: map[string]int{}, admittedLocal: map[string]int{}}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // watches the cluster's own view of the slot's owner
		defer close(done)
		for {
			if owner, ok := cl.Owner(view, slot); ok && owner != victim {
				rec.promoted.Store(time.Now().UnixNano())
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond): // polling interval
			}
		}
	}()
	defer func() { close(stop); <-done }()
	bystanderCount := int64(0)
	deadline := time.Now().Add(30 * time.Second)
	for turn := 0; ; turn++ {
		if time.Now().After(deadline) {
			t.Fatalf("no recovery within 30 s of the fault (promotion seen: %v)", rec.promoted.Load() != 0)
		}
		key := keys[turn%len(keys)]
		o := f.send(key)
		if o.admitted {
			rec.admitted[key]++
			if o.local {
				rec.admittedLocal[key]++
			}
		}
		if p := rec.promoted.Load(); p != 0 && !o.local && rec.shared[o.replica].IsZero() {
			rec.shared[o.replica] = time.Now()
		}
		if turn%len(keys) == 0 {
			b := f.sendTo(turn%3, bystander)
			bystanderCount++
			// The count saturates at limit+1 (see the package doc).
			if want := min(bystanderCount, failLimit+1); b.local || b.count != want {
				t.Fatalf("bystander key on a healthy master: decision %d %+v, want a shared count of %d", bystanderCount, b, want)
			}
		}
		if !slices.ContainsFunc(rec.shared[:], time.Time.IsZero) {
			f.latencies("through the failover")
			return rec
		}
		time.Sleep(time.Millisecond) // the attacker's pace, not a wait for an outcome
	}
}

// TestSentinelFailover runs three replicas against a master, its replica
// and a Sentinel, kills the master under load and checks the same
// guarantees as TestClusterFailover: exact before, nothing refused, at most
// 1.5× the limit through the failover, exact again within 5 s of the
// promotion (as the promoted server itself reports it).
func TestSentinelFailover(t *testing.T) {
	master := redistest.Start(t, redistest.Args("--repl-diskless-sync-delay", "0"))
	replica := redistest.StartReplica(t, master)
	sentinel := redistest.StartSentinel(t, "pg", master)
	waitFor(t, 20*time.Second, "replica in sync", func() bool {
		info, err := master.Do("INFO replication")
		return err == nil && contains(info, "state=online")
	})
	f := newFleet(t, ClientConfig{Addresses: []string{sentinel.Addr()}, SentinelMaster: "pg", Timeout: 200 * time.Millisecond})
	const over, fresh, after = "198.51.100.7", "203.0.113.9", "198.18.0.1"
	if got := f.attack(over, 5*failLimit); got != failLimit {
		t.Fatalf("before the fault: %d of %d admitted, want exactly %d", got, 5*failLimit, failLimit)
	}
	f.latencies("healthy master")

	master.Kill()
	killed := time.Now()
	rec := &recovery{admitted: map[string]int{}, admittedLocal: map[string]int{}}
	deadline := time.Now().Add(30 * time.Second)
	for turn := 0; slices.ContainsFunc(rec.shared[:], time.Time.IsZero); turn++ {
		if time.Now().After(deadline) {
			t.Fatalf("no recovery within 30 s of the fault (promoted: %v)", rec.promoted.Load() != 0)
		}
		if rec.promoted.Load() == 0 && turn%20 == 0 && replica.IsMaster() {
			rec.promoted.Store(time.Now().UnixNano())
		}
		key := []string{over, fresh}[turn%2]
		o := f.send(key)
		if o.admitted {
			rec.admitted[key]++
			if o.local {
				rec.admittedLocal[key]++
			}
		}
		if rec.promoted.Load() != 0 && !o.local && rec.shared[o.replica].IsZero() {
			rec.shared[o.replica] = time.Now()
		}
		time.Sleep(time.Millisecond) // the attacker's pace, not a wait for an outcome
	}
	f.latencies("through the failover")
	promoted := time.Unix(0, rec.promoted.Load())
	last := slices.MaxFunc(rec.shared[:], func(a, b time.Time) int { return a.Compare(b) })
	t.Logf("master killed; replica promoted after %v (its own INFO, polled every ~20 requests); all 3 replicas counting in Redis again %v after the promotion",
		promoted.Sub(killed).Round(time.Millisecond), last.Sub(promoted).Round(time.Millisecond))
	t.Logf("admitted through the failover: key already over %d (%d locally), fresh key %d (%d locally) (limit %d, 3 replicas)",
		rec.admitted[over], rec.admittedLocal[over], rec.admitted[fresh], rec.admittedLocal[fresh], failLimit)
	if last.Sub(promoted) > 5*time.Second {
		t.Errorf("shared counting resumed %v after the promotion, want within 5 s", last.Sub(promoted))
	}
	if total := failLimit + rec.admitted[over]; total*2 > 3*failLimit {
		t.Errorf("key over its limit: %d admitted in its window across the failover, want <= 1.5 × %d", total, failLimit)
	}
	if rec.admitted[fresh]*2 > 3*failLimit {
		t.Errorf("fresh key: %d admitted through the failover, want <= 1.5 × %d", rec.admitted[fresh], failLimit)
	}
	if got := f.attack(after, 3*failLimit); got != failLimit {
		t.Errorf("after recovery: %d of %d admitted, want exactly %d", got, 3*failLimit, failLimit)
	}
	f.latencies("after recovery")
}

// TestStalledRedis pauses a standalone Redis (SIGSTOP: connections stay
// open and nothing answers, like a hung host or a partition) under three
// replicas: no decision waits much past the budget, nothing is refused,
// the fleet admits at most the limit for a fresh key, and once Redis
// answers again counting is shared and includes what was counted locally.
func TestStalledRedis(t *testing.T) {
	srv := redistest.Start(t)
	f := newFleet(t, ClientConfig{Addresses: []string{srv.Addr()}, Timeout: 200 * time.Millisecond})
	const over, fresh, after = "198.51.100.7", "203.0.113.9", "198.18.0.1"
	if got := f.attack(over, 2*failLimit); got != failLimit {
		t.Fatalf("before the fault: %d admitted, want exactly %d", got, failLimit)
	}
	f.latencies("healthy")
	srv.Pause()
	admitted := map[string]int{}
	for i := range 600 {
		key := []string{over, fresh}[i%2]
		if o := f.send(key); o.admitted {
			admitted[key]++
		}
	}
	f.latencies("Redis stalled")
	t.Logf("admitted while stalled: key already over %d, fresh key %d (limit %d, 3 replicas)", admitted[over], admitted[fresh], failLimit)
	if admitted[over] != 0 || admitted[fresh] > failLimit {
		t.Errorf("while stalled: %v admitted; want 0 for the key already over, at most %d for the fresh one", admitted, failLimit)
	}
	srv.Resume()
	resumed := time.Now()
	for i, g := range f.guards {
		for g.Degraded() {
			f.events[i].await(t, false, fmt.Sprintf("replica %d's recovery", i))
		}
	}
	t.Logf("all circuits closed %v after Redis answered again", time.Since(resumed).Round(time.Millisecond))
	if o := f.send(fresh); o.local || o.admitted {
		t.Errorf("fresh key after recovery: %+v; want a shared decision, over (its local hits replayed)", o)
	}
	if got := f.attack(after, 2*failLimit); got != failLimit {
		t.Errorf("after recovery: %d admitted, want exactly %d", got, failLimit)
	}
}
