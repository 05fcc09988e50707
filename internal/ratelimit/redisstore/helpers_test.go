package redisstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/poolguard/poolguard/internal/redistest"
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

// waitFor polls cond until it holds or d passes.
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
