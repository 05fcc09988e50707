package redisstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/redistest"
)

func TestShare(t *testing.T) {
	for _, tc := range []struct {
		limit int64
		n     int
		want  int64
	}{{100, 1, 100}, {100, 0, 100}, {100, 3, 33}, {2, 3, 1}, {1000, 7, 142}} {
		if got := share(tc.limit, tc.n); got != tc.want {
			t.Errorf("share(%d, %d) = %d, want %d", tc.limit, tc.n, got, tc.want)
		}
	}
}

// Concurrent decisions through an outage and a recovery: nothing refused
// under fail_open, every circuit closed afterwards, every local hit either
// replayed or still journalled (run with -race).
func TestGuardConcurrentOutage(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, newClient(t, srv, false))
	circuits := make(circuitEvents, 64)
	g := NewGuard(s, GuardOptions{Budget: guardBudget, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, OnChange: circuits.onChange})
	t.Cleanup(g.Close)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	run := func(rounds int) {
		for w := range 4 {
			wg.Go(func() {
				res := make([]ratelimit.Result, 2)
				for i := range rounds {
					key := []byte(fmt.Sprintf("198.51.100.%d", (w*rounds+i)%7))
					hits := []ratelimit.Hit{
						{Rule: "a", Key: key, Limit: 50, Window: time.Minute, Terminating: true},
						{Rule: "b", Key: key, Limit: 500, Window: time.Minute},
					}
					if err := g.Decide(context.Background(), time.Now(), hits, res); err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
	}
	run(50)
	srv.Kill()
	run(50)
	if !g.Degraded() || g.Fallbacks() == 0 {
		t.Fatalf("after requests with Redis down: Degraded %v, Fallbacks %d", g.Degraded(), g.Fallbacks())
	}
	srv.Restart()
	for g.Degraded() {
		circuits.await(t, false, "the circuit closing")
	}
	run(50)
	if len(errs) > 0 {
		t.Fatalf("%d decisions failed under fail_open, first: %v", len(errs), errs[0])
	}
	if g.Replayed() == 0 {
		t.Fatal("no locally counted hit was added back to Redis")
	}
	if open := g.Circuits(); len(open) != 1 || open[0].Open {
		t.Fatalf("circuits after recovery: %+v, want one, closed", open)
	}
	if g.DegradedTime() <= 0 {
		t.Fatal("no degraded time recorded")
	}
}
