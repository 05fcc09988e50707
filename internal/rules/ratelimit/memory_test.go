package ratelimit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/ratelimittest"
)

func TestMemoryConformance(t *testing.T) {
	ratelimittest.Conformance(t, func() ratelimit.Store { return ratelimit.NewMemory() })
}

// TestWindowBetweenMilliseconds checks that a request counts exactly while
// the trailing window (now-Window, now] holds it, at instants between whole
// milliseconds (an arrival is kept rounded up, the window is evaluated from
// now rounded down), before the Unix epoch as after it (rounding down is
// flooring there, not truncating towards zero).
func TestWindowBetweenMilliseconds(t *testing.T) {
	const w = time.Minute
	for _, base := range []time.Time{ratelimittest.T0, time.Unix(-86400, 0)} {
		for _, tt := range []struct {
			name          string
			first, second time.Duration // after base
			want          int64
		}{
			{"second 0.1 ms inside the first's window", 500 * time.Microsecond, w + 400*time.Microsecond, 2},
			{"second 0.5 ms past the first's window", 500 * time.Microsecond, w + time.Millisecond, 1},
		} {
			t.Run(fmt.Sprint(base.Year(), "/", tt.name), func(t *testing.T) {
				m := ratelimit.NewMemory()
				res := make([]ratelimit.Result, 1)
				for _, at := range []time.Duration{tt.first, tt.second} {
					hits := []ratelimit.Hit{{Rule: "r", Key: []byte("k"), Limit: 10, Window: w}}
					if err := m.Decide(t.Context(), base.Add(at), hits, res); err != nil {
						t.Fatal(err)
					}
				}
				if res[0].Count != tt.want {
					t.Fatalf("count %d, want %d", res[0].Count, tt.want)
				}
			})
		}
	}
}

// decideOne counts one request for rule "r" and key "k" at at, under limit
// and a window of w, and returns its result.
func decideOne(t *testing.T, m *ratelimit.Memory, at time.Time, limit int64, w time.Duration) ratelimit.Result {
	t.Helper()
	res := make([]ratelimit.Result, 1)
	hits := []ratelimit.Hit{{Rule: "r", Key: []byte("k"), Limit: limit, Window: w}}
	if err := m.Decide(t.Context(), at, hits, res); err != nil {
		t.Fatal(err)
	}
	return res[0]
}

// TestLimitRaiseKeepsEveryArrival checks that a heavy key whose rule's
// limit grows past what its record holds (so that its groups merge) keeps
// every arrival counted: n requests under a limit of 150 (groups of 2),
// then one under a limit of 20000 (groups of 256, after seven merges) at
// the same instant count n+1, whatever n leaves in the incomplete group and
// whether the marks pair up.
func TestLimitRaiseKeepsEveryArrival(t *testing.T) {
	for n := 12; n <= 40; n++ {
		m := ratelimit.NewMemory()
		for range n {
			decideOne(t, m, ratelimittest.T0, 150, time.Minute)
		}
		if r := decideOne(t, m, ratelimittest.T0, 20000, time.Minute); r.Count != int64(n+1) {
			t.Errorf("after %d requests under a limit of 150, one under 20000 counts %d, want %d", n, r.Count, n+1)
		}
	}
}

// TestLimitDropKeepsNewestArrivals checks that a heavy key whose rule's
// limit drops keeps the newest arrivals its new limit needs, so that its
// count stays exact up to the limit: under limits of 100 and then 50 (groups
// of one, limit+1 marks) every count is the exact count in the window,
// capped at the limit plus one.
func TestLimitDropKeepsNewestArrivals(t *testing.T) {
	const w = 10 * time.Minute
	m := ratelimit.NewMemory()
	var sent []time.Time
	step := func(at time.Time, limit int64) {
		t.Helper()
		sent = append(sent, at)
		exact := int64(0)
		for _, s := range sent {
			if at.Sub(s) < w {
				exact++
			}
		}
		if r := decideOne(t, m, at, limit, w); r.Count != min(exact, limit+1) {
			t.Fatalf("at %v under a limit of %d: count %d, want %d (exact %d)", at.Sub(ratelimittest.T0), limit, r.Count, min(exact, limit+1), exact)
		}
	}
	for i := range 150 {
		step(ratelimittest.T0.Add(time.Duration(i)*time.Second), 100)
	}
	// Sparse, so that the newest 51 arrivals still include some of the
	// first 150 when those leave the window.
	for i := 150; i < 1500; i += 30 {
		step(ratelimittest.T0.Add(time.Duration(i)*time.Second), 50)
	}
}

// TestHeavyKeyEmptiesWithItsWindow checks that every arrival of a heavy key
// leaves with the window, its incomplete group too: 13 requests at one
// instant under a limit of 150 (six groups of two and one of one), then one
// request a window later counts 1, before the key is idle long enough to be
// reset.
func TestHeavyKeyEmptiesWithItsWindow(t *testing.T) {
	m := ratelimit.NewMemory()
	for range 13 {
		decideOne(t, m, ratelimittest.T0, 150, time.Minute)
	}
	if r := decideOne(t, m, ratelimittest.T0.Add(time.Minute), 150, time.Minute); r.Count != 1 {
		t.Fatalf("a window after 13 requests: count %d, want 1", r.Count)
	}
}
