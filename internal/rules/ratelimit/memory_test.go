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
