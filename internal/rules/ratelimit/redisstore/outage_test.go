package redisstore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/ratelimittest"
	"github.com/poolguard/poolguard/internal/testkit/redistest"
)

// TestOutage kills redis-server under two guarded replicas, checks each
// policy while it is down, restarts it and checks that shared counting
// resumes without anyone's help.
func TestOutage(t *testing.T) {
	for _, policy := range []Policy{FailOpen, FailClosed} {
		t.Run(policy.String(), func(t *testing.T) {
			srv := redistest.Start(t)
			prefix := uniquePrefix()
			var mu sync.Mutex // OnChange runs on the probe's goroutine
			var changes []bool
			guard := func(onChange func(string, bool)) *Guard {
				s, err := New(newClient(t, srv, false), prefix)
				if err != nil {
					t.Fatal(err)
				}
				g := NewGuard(s, GuardOptions{Policy: policy, Budget: guardBudget, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, OnChange: onChange})
				t.Cleanup(g.Close)
				return g
			}
			aCircuits, bCircuits := make(circuitEvents, 64), make(circuitEvents, 64)
			a := guard(func(node string, d bool) {
				mu.Lock()
				changes = append(changes, d)
				mu.Unlock()
				aCircuits.onChange(node, d)
			})
			b := guard(bCircuits.onChange)
			const limit = 5
			hit := func(key string) []ratelimit.Hit {
				return []ratelimit.Hit{{Rule: "r", Key: []byte(key), Limit: limit, Window: time.Minute, Terminating: true}}
			}
			res := make([]ratelimit.Result, 1)
			now := ratelimittest.T0
			decide := func(g *Guard, key string) error {
				now = now.Add(time.Millisecond)
				return g.Decide(context.Background(), now, hit(key), res)
			}
			// Shared: requests alternate between replicas and meet one limit.
			for i := 1; i <= 4; i++ {
				g := []*Guard{a, b}[i%2]
				if err := decide(g, "before"); err != nil || res[0].Count != int64(i) {
					t.Fatalf("before the outage, request %d: %+v, %v", i, res[0], err)
				}
			}

			srv.Kill()
			var slowest time.Duration
			for i := 1; i <= 20; i++ {
				start := time.Now()
				err := decide(a, "during")
				slowest = max(slowest, time.Since(start))
				switch policy {
				case FailOpen:
					if err != nil {
						t.Fatalf("fail_open during the outage, request %d: %v", i, err)
					}
					if want := i > limit; res[0].Over != want {
						t.Fatalf("fail_open: local limit not applied at request %d: %+v", i, res[0])
					}
				case FailClosed:
					if !errors.Is(err, ErrUnavailable) {
						t.Fatalf("fail_closed during the outage: got %v, want ErrUnavailable", err)
					}
				}
			}
			if !a.Degraded() || a.Fallbacks() != 20 {
				t.Fatalf("during the outage: Degraded %v, Fallbacks %d; want true, 20", a.Degraded(), a.Fallbacks())
			}

			srv.Restart()
			restarted := time.Now()
			for a.Degraded() {
				aCircuits.await(t, false, "a's recovery")
			}
			t.Logf("%s: slowest decision with Redis down %v; shared again %v after the restart",
				policy, slowest.Round(time.Microsecond), time.Since(restarted).Round(time.Millisecond))
			for i := 1; i <= limit+1; i++ {
				g := []*Guard{a, b}[i%2]
				if err := decide(g, "after"); err != nil {
					t.Fatalf("after recovery, request %d: %v", i, err)
				}
				if b.Degraded() || a.Degraded() {
					continue // b may find out about the outage only now
				}
				if res[0].Count != int64(i) {
					t.Fatalf("after recovery, request %d: %+v, want shared count %d", i, res[0], i)
				}
			}
			// b trips (on the connection Redis dropped) when it decides
			// first, and recovers from its probe.
			for decide(b, "probe-b") != nil || b.Degraded() {
				bCircuits.await(t, false, "b's recovery")
			}
			if err := decide(a, "after"); err != nil || res[0].Count != limit+2 || !res[0].Over {
				t.Fatalf("shared limiting did not resume: %+v, %v", res[0], err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(changes) < 2 || !changes[0] || changes[len(changes)-1] {
				t.Fatalf("OnChange calls %v, want degraded then recovered", changes)
			}
		})
	}
}
