package redisstore

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/ratelimittest"
	"github.com/poolguard/poolguard/internal/testkit/redistest"
)

// TestThreeStoresShareOneLimit hammers three stores (three clients, as three
// replicas would have) sharing one Redis, round-robin, at 5x the limit, and
// checks that in every trailing window the admitted requests stay within
// limit + 1%, and that the first window uses the limit (not far below).
func TestThreeStoresShareOneLimit(t *testing.T) {
	srv := redistest.Start(t)
	prefix := uniquePrefix()
	var stores []*Store
	for range 3 {
		s, err := New(newClient(t, srv, false), prefix)
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s)
	}
	const (
		limit  = 1000
		window = time.Minute
	)
	// The attacker sends at 5x the limit for 20 s, pauses 60 s (so that its
	// counted, blocked requests leave the window) and starts again: every
	// cycle admits about the limit and then blocks.
	gap := window / (5 * limit)
	var arrivals []time.Time
	for cycle := range 4 {
		start := ratelimittest.T0.Add(time.Duration(cycle) * 80 * time.Second)
		for at := start; at.Before(start.Add(20 * time.Second)); at = at.Add(gap) {
			arrivals = append(arrivals, at)
		}
	}
	total := int64(len(arrivals))
	var next atomic.Int64
	var mu sync.Mutex
	var admitted []time.Time
	var wg sync.WaitGroup
	for w := range stores {
		wg.Go(func() {
			res := make([]ratelimit.Result, 1)
			hits := []ratelimit.Hit{{Rule: "signin", Key: []byte("203.0.113.9"), Limit: limit, Window: window, Terminating: true}}
			for {
				i := next.Add(1) - 1
				if i >= total {
					return
				}
				at := arrivals[i]
				// Round-robin: request i goes to replica i%3, run by worker w
				// only when they match, so each store sees every third request.
				s := stores[(int(i)+w)%3]
				if err := s.Decide(context.Background(), at, hits, res); err != nil {
					t.Error(err)
					return
				}
				if !res[0].Over {
					mu.Lock()
					admitted = append(admitted, at)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	sort.Slice(admitted, func(i, j int) bool { return admitted[i].Before(admitted[j]) })
	maxIn, firstWin := 0, 0
	for i, j := 0, 0; j < len(admitted); j++ {
		for !admitted[i].After(admitted[j].Add(-window)) {
			i++
		}
		maxIn = max(maxIn, j-i+1)
	}
	for _, a := range admitted {
		if a.Before(ratelimittest.T0.Add(window)) {
			firstWin++
		}
	}
	t.Logf("%d requests, %d admitted; max in any trailing window %d (limit %d); first window admitted %d",
		total, len(admitted), maxIn, limit, firstWin)
	if maxIn > limit+limit/100 {
		t.Fatalf("admitted %d in one trailing window, want <= %d", maxIn, limit+limit/100)
	}
	if firstWin < limit-limit/100-1 {
		t.Fatalf("the first window admitted only %d, want about %d", firstWin, limit)
	}
}
