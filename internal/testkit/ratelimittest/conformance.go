package ratelimittest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// T0 is the fixed instant the conformance tests start at.
var T0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// Conformance runs the suite every Store must pass. newStore must return a
// new, empty store each time it is called.
func Conformance(t *testing.T, newStore func() ratelimit.Store) {
	t.Run("Sequences", func(t *testing.T) { testSequences(t, newStore) })
	t.Run("Batch", func(t *testing.T) { testBatch(t, newStore) })
	t.Run("ShortResults", func(t *testing.T) {
		err := newStore().Decide(context.Background(), T0, make([]ratelimit.Hit, 2), make([]ratelimit.Result, 1))
		if err == nil {
			t.Fatal("Decide with short results: no error")
		}
	})
	t.Run("Oracle", func(t *testing.T) { testOracle(t, newStore) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, newStore) })
}

// step is one request of a sequence test: at T0+at, one hit for key.
type step struct {
	at        time.Duration
	key       string
	wantCount int64
	wantOver  bool
}

func testSequences(t *testing.T, newStore func() ratelimit.Store) {
	ms := time.Millisecond
	s := time.Second
	tests := []struct {
		name   string
		limit  int64
		window time.Duration
		steps  []step
	}{
		{"first over is blocked", 10, 60 * s, seq("a", 0, s, 12, 10)},
		{"window edge is exclusive", 10, 60 * s, []step{
			{0, "a", 1, false},
			{60*s - ms, "a", 2, false},
			{60 * s, "a", 2, false}, // the arrival at 0 has left (now-60s, now]
			{120*s - ms, "a", 2, false},
		}},
		{"blocked requests count", 10, 60 * s, append(seq("a", 0, s, 11, 10), []step{
			{30 * s, "a", 12, true},
			{61 * s, "a", 11, true}, // 0s left; 1..10s, 30s and now remain
			{70*s + ms, "a", 3, false},
		}...)},
		{"keys are independent", 10, 120 * s, append(seq("a", 0, ms, 11, 10), step{5 * s, "b", 1, false})},
		{"idle key starts over", 10, 60 * s, append(seq("a", 0, ms, 11, 10), step{10 * time.Minute, "a", 1, false})},
		{"window 600s", 10, 600 * s, append(seq("a", 0, 50*s, 11, 10), step{600 * s, "a", 11, true})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore()
			res := make([]ratelimit.Result, 1)
			for i, sp := range tt.steps {
				hit := []ratelimit.Hit{{Rule: "r", Key: []byte(sp.key), Limit: tt.limit, Window: tt.window, Terminating: true}}
				if err := st.Decide(context.Background(), T0.Add(sp.at), hit, res); err != nil {
					t.Fatal(err)
				}
				want := ratelimit.Result{Counted: true, Count: sp.wantCount, Over: sp.wantOver}
				if !agrees(res[0], want, tt.limit) {
					t.Fatalf("step %d (%v, %s): got %+v, want %+v", i, sp.at, sp.key, res[0], want)
				}
			}
		})
	}
}

// agrees reports whether a store's result meets the bound against the exact
// result want: the same decision, and the exact count, or for an over-limit
// key a count above the limit that may be a lower bound.
func agrees(got, want ratelimit.Result, limit int64) bool {
	if got.Counted != want.Counted || got.Over != want.Over {
		return false
	}
	if want.Count > limit {
		return got.Count > limit && got.Count <= want.Count+Tolerance(limit)
	}
	return got.Count == want.Count
}

// seq returns n requests for key every gap from start; those after the
// first limit are over.
func seq(key string, start, gap time.Duration, n int, limit int64) []step {
	out := make([]step, n)
	for i := range out {
		c := int64(i + 1)
		out[i] = step{start + time.Duration(i)*gap, key, c, c > limit}
	}
	return out
}

func testBatch(t *testing.T, newStore func() ratelimit.Store) {
	st := newStore()
	ctx := context.Background()
	hits := []ratelimit.Hit{
		{Rule: "count", Key: []byte("k"), Limit: 10, Window: time.Minute},
		{Rule: "block", Key: []byte("k"), Limit: 10, Window: time.Minute, Terminating: true},
		{Rule: "after", Key: []byte("k"), Limit: 100, Window: time.Minute},
	}
	res := make([]ratelimit.Result, 3)
	for i := 1; i <= 12; i++ {
		if err := st.Decide(ctx, T0.Add(time.Duration(i)*time.Second), hits, res); err != nil {
			t.Fatal(err)
		}
		c := int64(i)
		want := []ratelimit.Result{
			{Counted: true, Count: c, Over: c > 10},
			{Counted: true, Count: c, Over: c > 10},
			{Counted: true, Count: c, Over: false},
		}
		if c > 10 {
			want[2] = ratelimit.Result{} // after a terminating over-limit hit
		}
		for j := range want {
			if !agrees(res[j], want[j], hits[j].Limit) {
				t.Fatalf("request %d hit %s: got %+v, want %+v", i, hits[j].Rule, res[j], want[j])
			}
		}
	}
	// "after" saw only the first 10 requests.
	if err := st.Decide(ctx, T0.Add(13*time.Second), hits[2:], res); err != nil {
		t.Fatal(err)
	}
	if want := (ratelimit.Result{Counted: true, Count: 11}); !agrees(res[0], want, 100) {
		t.Fatalf("after: got %+v, want %+v", res[0], want)
	}
}

func testOracle(t *testing.T, newStore func() ratelimit.Store) {
	rng := rand.New(rand.NewPCG(1, 2))
	limits := []int64{10, 100, 250}
	for _, shape := range []Shape{Steady, Poisson, Bursts} {
		for _, window := range []time.Duration{time.Minute, 5 * time.Minute} {
			t.Run(fmt.Sprintf("%v/%v", shape, window), func(t *testing.T) {
				var streams [][]Arrival
				for i, l := range limits {
					rate := float64(l) / window.Seconds() * (0.7 + 0.6*rng.Float64())
					streams = append(streams, Stream(rng, shape, fmt.Sprint("k", i), T0, 3*window, rate))
				}
				Check(t, newStore(), Merge(streams...), func(a Arrival) []ratelimit.Hit {
					l := limits[a.Key[1]-'0']
					return []ratelimit.Hit{{Rule: "r", Key: []byte(a.Key), Limit: l, Window: window, Terminating: true}}
				})
			})
		}
	}
}

func testConcurrent(t *testing.T, newStore func() ratelimit.Store) {
	st := newStore()
	const workers, each, limit = 8, 200, 500
	var mu sync.Mutex
	admitted := 0
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			res := make([]ratelimit.Result, 2)
			n := 0
			for i := range each {
				hits := []ratelimit.Hit{
					{Rule: "shared", Key: []byte("one"), Limit: limit, Window: time.Minute, Terminating: true},
					{Rule: "own", Key: fmt.Appendf(nil, "w%d-%d", w, i%50), Limit: 10, Window: time.Minute},
				}
				if err := st.Decide(context.Background(), T0, hits, res); err != nil {
					t.Error(err)
					return
				}
				if !res[0].Over {
					n++
				}
			}
			mu.Lock()
			admitted += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if admitted != limit {
		t.Fatalf("admitted %d requests at one instant, want exactly the limit %d", admitted, limit)
	}
}
