package outcome

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// Each slot of a counters4 counts exactly as a counter of its own over the
// same window would, whatever the other slots do: the shared bucket index
// moves with time alone. Random event sequences (gaps shorter than, equal
// to and longer than the window; bursts past the 16-bit ceiling) are
// replayed on both. (A clock that steps back empties both kinds, though
// not always at the same step.)
func TestCounters4SlotsCountAsCounters(t *testing.T) {
	for _, w := range []int64{1, 60, 3600, 86400} {
		rng := rand.New(rand.NewPCG(uint64(w), 7))
		var shared counters4
		var alone [4]counter
		now := int64(1_780_000_000)
		for step := range 20_000 {
			switch r := rng.IntN(100); {
			case r < 60:
				now += rng.Int64N(w/4 + 1)
			case r < 85:
				now += w
			default:
				now += rng.Int64N(3 * w)
			}
			i, n := rng.IntN(4), 1
			if rng.IntN(50) == 0 {
				n = 40_000 // saturates at 65,535
			}
			shared.add(i, now, w, n)
			alone[i].add(now, w, n)
			for j := range 4 {
				if got, want := shared.count(j, now, w), alone[j].count(now, w); got != want {
					t.Fatalf("window %d s, step %d, slot %d at %d: counters4 counts %d, a counter %d", w, step, j, now, got, want)
				}
			}
		}
	}
}

// A record stays at 36 bytes: with its 8-byte key and the map's overhead,
// that keeps a tracked source or user within 128 bytes at a million of
// each (BenchmarkMemoryPerTracked).
func TestRecordSize(t *testing.T) {
	if got := unsafe.Sizeof(rec{}); got != 36 {
		t.Errorf("rec is %d bytes; want 36", got)
	}
}
