package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/ratelimittest"
	"github.com/poolguard/poolguard/internal/testkit/redistest"
)

func TestConformance(t *testing.T) {
	c := newClient(t, redistest.Start(t), false)
	ratelimittest.Conformance(t, func() ratelimit.Store { return newStore(t, c) })
}

func TestConformanceCluster(t *testing.T) {
	c := newClient(t, startCluster(t), true)
	ratelimittest.Conformance(t, func() ratelimit.Store { return newStore(t, c) })
}

// TestGuardConformance runs the suite through a healthy Guard.
func TestGuardConformance(t *testing.T) {
	c := newClient(t, redistest.Start(t), false)
	ratelimittest.Conformance(t, func() ratelimit.Store {
		s := newStore(t, c)
		g := NewGuard(s, GuardOptions{Budget: guardBudget})
		t.Cleanup(g.Close)
		return g
	})
}

// TestClusterMixedKeys checks the per-run path: hits on different keys, with
// a terminating over-limit hit in the first run stopping the second.
func TestClusterMixedKeys(t *testing.T) {
	s := newStore(t, newClient(t, startCluster(t), true))
	hits := []ratelimit.Hit{
		{Rule: "ip", Key: []byte("192.0.2.1"), Limit: 2, Window: time.Minute, Terminating: true},
		{Rule: "user", Key: []byte("alice"), Limit: 100, Window: time.Minute},
	}
	res := make([]ratelimit.Result, 2)
	for i := 1; i <= 4; i++ {
		if err := s.Decide(context.Background(), ratelimittest.T0, hits, res); err != nil {
			t.Fatal(err)
		}
		wantUser := ratelimit.Result{Counted: true, Count: int64(min(i, 2))}
		if i > 2 {
			wantUser = ratelimit.Result{}
		}
		if res[0].Count != int64(i) || res[0].Over != (i > 2) || res[1] != wantUser {
			t.Fatalf("request %d: %+v, want ip count %d and user %+v", i, res, i, wantUser)
		}
	}
}

func TestBadHits(t *testing.T) {
	s := newStore(t, newClient(t, redistest.Start(t), false))
	for _, h := range []ratelimit.Hit{
		{Rule: "r", Key: []byte("k"), Limit: 0, Window: time.Minute},
		{Rule: "r", Key: []byte("k"), Limit: 1, Window: 0},
		{Rule: "r", Key: []byte("k"), Limit: 1, Window: 70000 * time.Second},
	} {
		if err := s.Decide(context.Background(), ratelimittest.T0, []ratelimit.Hit{h}, make([]ratelimit.Result, 1)); err == nil {
			t.Errorf("Decide(%+v): no error", h)
		}
	}
	if _, err := New(nil, "a{b}"); err == nil {
		t.Error("New with braces in the prefix: no error")
	}
}
