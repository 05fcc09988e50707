package ratelimit

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestConcurrentDecideSweepOverKeys runs Decide on many keys from several
// goroutines while others sweep and list over keys; run it with -race.
func TestConcurrentDecideSweepOverKeys(t *testing.T) {
	m := NewMemory()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			res := make([]Result, 2)
			for i := range 5000 {
				now := t0.Add(time.Duration(i) * 20 * time.Millisecond)
				hits := []Hit{
					{Rule: "ip", Key: fmt.Appendf(nil, "%d", i%300), Limit: 10, Window: time.Minute, Terminating: true},
					{Rule: "cat", Key: fmt.Appendf(nil, "%d-%d", w, i%7), Limit: 150, Window: 2 * time.Minute},
				}
				if err := m.Decide(t.Context(), now, hits, res); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	var sweeper sync.WaitGroup
	sweeper.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			// Sweep within the deciders' span of time (100 s), so a fast
			// sweeper cannot purge the over keys the last check looks for.
			now := t0.Add(time.Duration(i%100) * time.Second)
			m.Sweep(now)
			m.OverKeys("ip", now)
			m.Len()
		}
	})
	wg.Wait()
	close(done)
	sweeper.Wait()
	if len(m.OverKeys("ip", t0.Add(100*time.Second))) == 0 {
		t.Fatal("no over keys listed for rule ip")
	}
}
