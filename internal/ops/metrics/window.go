package metrics

import (
	"sync/atomic"
	"time"
)

// windowSeconds is the length of the quota rate window.
const windowSeconds = 60

// countBits is how many low bits of a bucket hold its count; the rest hold
// the Unix second the count belongs to.
const countBits = 24

// secondWindow counts events per Unix second over the last windowSeconds
// seconds. Each bucket packs (second << countBits | count) in one word so
// that add is a lock-free compare-and-swap. The zero value is ready to use
// and it is safe for concurrent use.
type secondWindow struct {
	buckets [windowSeconds]atomic.Uint64
}

// add counts one event at t. Events older than the bucket's current second
// (more than a minute late) are ignored.
func (w *secondWindow) add(t time.Time) {
	sec := t.Unix()
	if sec < 0 {
		return
	}
	b := &w.buckets[sec%windowSeconds]
	for {
		v := b.Load()
		switch bs := int64(v >> countBits); {
		case bs == sec:
			if v&(1<<countBits-1) == 1<<countBits-1 {
				return // saturated: 16M events in one second
			}
			if b.CompareAndSwap(v, v+1) {
				return
			}
		case bs > sec:
			return
		default:
			if b.CompareAndSwap(v, uint64(sec)<<countBits|1) {
				return
			}
		}
	}
}

// stats returns the average rate per second over the window ending at now
// (the current partial second included, the window shortened to since when
// younger than a minute) and the largest count in one complete second.
func (w *secondWindow) stats(now, since time.Time) (rate float64, peak uint64) {
	nowSec := now.Unix()
	var sum uint64
	for i := range w.buckets {
		v := w.buckets[i].Load()
		bs := int64(v >> countBits)
		if bs <= nowSec-windowSeconds || bs > nowSec {
			continue
		}
		n := v & (1<<countBits - 1)
		sum += n
		if bs < nowSec && n > peak {
			peak = n
		}
	}
	span := float64(windowSeconds-1) + float64(now.Nanosecond())/1e9
	if age := now.Sub(since).Seconds(); age < span {
		span = age
	}
	if span < 1 {
		span = 1
	}
	return float64(sum) / span, peak
}
