package ratelimit

// This file holds the per-key estimator: an exact ring of recent arrivals for
// light keys and grouped marks for heavy keys (see the package doc).

const (
	// lightCap is the number of exact arrival ticks a slot holds.
	lightCap = 11
	// heavyCap is the most marks a heavy record holds (1% groups need 101).
	heavyCap = 101
)

// window describes one rule's evaluation at one instant, in ticks.
type window struct {
	arrival uint32 // this request's tick, rounded up
	query   uint32 // the evaluation tick, rounded down
	length  int32  // the window in ms
	limit   int64
}

// in reports whether tick t is inside the window.
func (w *window) in(t uint32) bool {
	return int32(w.query-t) < w.length
}

// light is the inline part of a slot: the ticks of the last arrivals, oldest
// at ticks[head], with group size 1.
type light struct {
	winSec uint16 // the rule's window in seconds, rounded up (for eviction)
	n      uint8
	head   uint8
	ticks  [lightCap]uint32
}

// expire drops arrivals that left the window.
func (l *light) expire(w *window) {
	for l.n > 0 && !w.in(l.ticks[l.head]) {
		l.head = (l.head + 1) % lightCap
		l.n--
	}
}

// push appends t, dropping the oldest arrival when full.
func (l *light) push(t uint32) {
	if l.n == lightCap {
		l.head = (l.head + 1) % lightCap
		l.n--
	}
	l.ticks[(int(l.head)+int(l.n))%lightCap] = t
	l.n++
}

// heavy is the side record of a key with more than lightCap arrivals in its
// window. marks[head] is the oldest mark.
type heavy struct {
	group   uint32 // arrivals per complete group
	partial uint32 // arrivals in the incomplete group
	last    uint32 // tick of the incomplete group's latest arrival
	n       uint16 // marks held
	head    uint16
	max     uint16 // marks kept: ceil((limit+1)/group)
	marks   [heavyCap]uint32
}

// groupFor returns the group size and the number of marks to keep for limit.
func groupFor(limit int64) (group uint32, marks uint16) {
	g := (limit + 99) / 100
	if g < 1 {
		g = 1
	}
	return uint32(g), uint16((limit + g) / g) // ceil((limit+1)/g)
}

// reset prepares h for limit with no arrivals.
func (h *heavy) reset(limit int64) {
	g, m := groupFor(limit)
	*h = heavy{group: g, max: m}
}

// fit adapts the record to limit, which may differ from the one it was built
// for: it keeps the group size when possible and merges groups pairwise when
// the limit needs more marks than a record holds. Both keep the estimate
// conservative.
func (h *heavy) fit(limit int64) {
	for {
		g := int64(h.group)
		need := (limit + g) / g
		if need <= heavyCap {
			h.max = uint16(need)
			for h.n > h.max {
				h.head = (h.head + 1) % heavyCap
				h.n--
			}
			return
		}
		h.merge()
	}
}

// merge doubles the group size: pairs of marks (oldest first) become one mark
// at the later time; an unpaired newest mark joins the incomplete group.
func (h *heavy) merge() {
	var tmp [heavyCap]uint32
	k := 0
	i := 0
	for ; i+1 < int(h.n); i += 2 {
		tmp[k] = h.marks[(int(h.head)+i+1)%heavyCap]
		k++
	}
	if i < int(h.n) {
		h.partial += h.group
	}
	h.marks = tmp
	h.head = 0
	h.n = uint16(k)
	h.group *= 2
}

// expire drops marks (and the incomplete group) that left the window.
func (h *heavy) expire(w *window) {
	for h.n > 0 && !w.in(h.marks[h.head]) {
		h.head = (h.head + 1) % heavyCap
		h.n--
	}
	if h.partial > 0 && !w.in(h.last) {
		h.partial = 0
	}
}

// add records one arrival at tick t.
func (h *heavy) add(t uint32) {
	h.partial++
	h.last = t
	if h.partial < h.group {
		return
	}
	h.partial = 0
	if h.n == h.max {
		h.head = (h.head + 1) % heavyCap
		h.n--
	}
	h.marks[(int(h.head)+int(h.n))%heavyCap] = t
	h.n++
}

// estimate returns the conservative count after expire.
func (h *heavy) estimate() int64 {
	return int64(h.n)*int64(h.group) + int64(h.partial)
}

// empty reports whether the record holds no arrivals.
func (h *heavy) empty() bool { return h.n == 0 && h.partial == 0 }
