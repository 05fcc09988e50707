package outcome

import "math"

// counter counts events in a sliding window approximated by two fixed
// buckets (the current one and the one before), the way Cloudflare's and
// nginx's rate limiters do: the estimate is the current bucket plus the
// previous bucket weighted by how much of it the window still covers. It
// is exact when events are spread evenly and otherwise errs by at most the
// previous bucket's count. Eight bytes; the zero value is empty.
type counter struct {
	bucket uint32 // index of the current bucket: Unix seconds / window
	cur    uint16
	prev   uint16
}

// roll moves c to the bucket of Unix second now for window w (seconds).
func (c *counter) roll(now int64, w int64) {
	b := uint32(now / w)
	switch {
	case b == c.bucket:
	case b == c.bucket+1:
		c.prev, c.cur, c.bucket = c.cur, 0, b
	default:
		c.prev, c.cur, c.bucket = 0, 0, b
	}
}

// add counts n events at Unix second now.
func (c *counter) add(now, w int64, n int) {
	c.roll(now, w)
	v := int(c.cur) + n
	if v > math.MaxUint16 {
		v = math.MaxUint16
	}
	c.cur = uint16(v)
}

// count returns the estimate at Unix second now without changing c.
func (c counter) count(now, w int64) int {
	c.roll(now, w)
	elapsed := now - int64(c.bucket)*w
	return int(c.cur) + int(int64(c.prev)*(w-elapsed)/w)
}

// counters4 is four counters over one window sharing their bucket index:
// slot i behaves exactly as a counter of its own would while time does not
// go back (the bucket moves with time alone, so rolling all four whenever
// one changes gives each the state it would have had; a clock stepped
// back empties all four, as it empties a counter rolled past it). Twenty bytes instead of 32, which is what
// keeps a tracked source or user within its memory budget.
type counters4 struct {
	bucket    uint32
	cur, prev [4]uint16
}

// roll moves c to the bucket of Unix second now for window w (seconds).
func (c *counters4) roll(now int64, w int64) {
	b := uint32(now / w)
	switch {
	case b == c.bucket:
	case b == c.bucket+1:
		c.prev, c.cur, c.bucket = c.cur, [4]uint16{}, b
	default:
		c.prev, c.cur, c.bucket = [4]uint16{}, [4]uint16{}, b
	}
}

// add counts n events in slot i at Unix second now.
func (c *counters4) add(i int, now, w int64, n int) {
	c.roll(now, w)
	v := int(c.cur[i]) + n
	if v > math.MaxUint16 {
		v = math.MaxUint16
	}
	c.cur[i] = uint16(v)
}

// count returns slot i's estimate at Unix second now without changing c.
func (c counters4) count(i int, now, w int64) int {
	c.roll(now, w)
	elapsed := now - int64(c.bucket)*w
	return int(c.cur[i]) + int(int64(c.prev[i])*(w-elapsed)/w)
}

// fixed counts events in fixed calendar windows (an hour, a day): exact,
// for budgets. Eight bytes; the zero value is empty.
type fixed struct {
	bucket uint32
	n      uint32
}

// value returns the count in the window of Unix second now.
func (f fixed) value(now, w int64) int64 {
	if f.bucket != uint32(now/w) {
		return 0
	}
	return int64(f.n)
}

// add adds d (which may be negative) in the window of Unix second now.
func (f *fixed) add(now, w int64, d int64) {
	if b := uint32(now / w); f.bucket != b {
		f.bucket, f.n = b, 0
	}
	v := int64(f.n) + d
	if v < 0 {
		v = 0
	}
	f.n = uint32(v)
}
