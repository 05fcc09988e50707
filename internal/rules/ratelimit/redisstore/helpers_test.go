package redisstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/poolguard/poolguard/internal/testkit/redistest"
)

var prefixSeq atomic.Int64

// guardBudget is the latency budget of guards in tests that assert exact
// shared counts: far above the default, because the shared test machine
// can stall a healthy call past 50 ms, which would decide it locally.
const guardBudget = 250 * time.Millisecond

// uniquePrefix returns a key prefix no other store in the process uses, so
// stores sharing one server start empty.
func uniquePrefix() string {
	return fmt.Sprintf("t%d:", prefixSeq.Add(1))
}

// newClient returns a client for srv, closed when t ends.
func newClient(t testing.TB, srv *redistest.Server, cluster bool) redis.UniversalClient {
	t.Helper()
	c, err := NewClient(ClientConfig{Addresses: []string{srv.Addr()}, Cluster: cluster, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newStore(t testing.TB, c redis.UniversalClient) *Store {
	t.Helper()
	s, err := New(c, uniquePrefix())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startCluster starts a one-node Redis Cluster owning every slot.
func startCluster(t *testing.T) *redistest.Server {
	t.Helper()
	srv := redistest.Start(t, redistest.Args("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"))
	if got, err := srv.Do("CLUSTER ADDSLOTSRANGE 0 16383"); err != nil || got != "+OK" {
		t.Fatalf("CLUSTER ADDSLOTSRANGE: %q, %v", got, err)
	}
	c := newClient(t, srv, true)
	waitFor(t, 10*time.Second, "cluster state ok", func() bool {
		info, err := c.ClusterInfo(context.Background()).Result()
		return err == nil && contains(info, "cluster_state:ok")
	})
	return srv
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// signalTimeout bounds every wait for a signal: far above any expected
// delay (shared CI machines are noisy); reaching it fails the test instead
// of hanging it. No test passes or fails by how fast it ran.
const signalTimeout = 20 * time.Second

// circuitEvents receives a guard's circuit changes (GuardOptions.OnChange):
// true when a node's circuit opens, false when it closes.
type circuitEvents chan bool

// onChange is a guard's OnChange: it never blocks the guard (the buffer
// holds far more changes than a test makes).
func (e circuitEvents) onChange(_ string, open bool) {
	select {
	case e <- open:
	default:
	}
}

// await returns once a circuit change to open arrives, skipping others.
func (e circuitEvents) await(t testing.TB, open bool, what string) {
	t.Helper()
	timeout := time.NewTimer(signalTimeout)
	defer timeout.Stop()
	for {
		select {
		case got := <-e:
			if got == open {
				return
			}
		case <-timeout.C:
			t.Fatalf("no signal of %s within %v", what, signalTimeout)
		}
	}
}

// waitFor polls cond until it holds or d passes. Only for the state of a
// redis-server process the test started (cluster state, replication),
// which gives no signal; a guard's state changes come from circuitEvents.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, d)
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not a wait for an outcome
	}
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

func init() {
	// Outage tests make go-redis log every refused dial; keep output readable.
	redis.SetLogger(quietLogger{})
}
