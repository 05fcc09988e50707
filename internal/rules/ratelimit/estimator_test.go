package ratelimit

import (
	"testing"
	"unsafe"
)

func TestSlotSize(t *testing.T) {
	if got := unsafe.Sizeof(slot{}); got != 64 {
		t.Fatalf("slot is %d bytes, want 64", got)
	}
}

func TestGroupFor(t *testing.T) {
	tests := []struct {
		limit int64
		group uint32
		marks uint16
	}{
		{10, 1, 11},
		{100, 1, 101},
		{101, 2, 51},
		{200, 2, 101},
		{201, 3, 68},
		{4000, 40, 101},
		{2_000_000_000, 20_000_000, 101},
	}
	for _, tt := range tests {
		g, m := groupFor(tt.limit)
		if g != tt.group || m != tt.marks {
			t.Errorf("groupFor(%d) = %d, %d; want %d, %d", tt.limit, g, m, tt.group, tt.marks)
		}
		if int64(g)*int64(m) <= tt.limit {
			t.Errorf("groupFor(%d): %d marks of %d cannot prove the limit is passed", tt.limit, m, g)
		}
	}
}

// TestHeavyEstimate checks the grouped estimate with fixed ticks: window
// 1000 ticks, limit 250 (groups of 3, 84 marks).
func TestHeavyEstimate(t *testing.T) {
	var h heavy
	h.reset(250)
	w := window{length: 1000, limit: 250}
	at := func(q uint32) int64 {
		w.query, w.arrival = q, q
		h.expire(&w)
		h.add(q)
		return h.estimate()
	}
	steps := []struct {
		tick uint32
		want int64
	}{
		{0, 1}, {1, 2}, {2, 3}, // group 1 completes at tick 2
		{500, 4},  // partial group
		{1001, 5}, // ticks 0 and 1 left, but group 1 (mark 2) counts whole: 3 + 2
		{1002, 3}, // group 1 left; partial {500, 1001, 1002} completed
		{2003, 1}, // everything left
	}
	for _, s := range steps {
		if got := at(s.tick); got != s.want {
			t.Fatalf("tick %d: estimate %d, want %d", s.tick, got, s.want)
		}
	}
}

func TestHeavySaturates(t *testing.T) {
	var h heavy
	h.reset(250) // 3 per group, 84 marks
	w := window{length: 1000, limit: 250}
	for i := range 1000 {
		w.query, w.arrival = uint32(i), uint32(i)
		h.expire(&w)
		h.add(uint32(i))
	}
	if h.n != h.max || h.estimate() <= 250 {
		t.Fatalf("after 1000 arrivals: %d marks (max %d), estimate %d", h.n, h.max, h.estimate())
	}
	// 749 ticks later the newest 251 arrivals (ticks 749..999) are in the window.
	w.query = 1748
	h.expire(&w)
	if est := h.estimate(); est < 251 || est > 251+2 {
		t.Fatalf("estimate %d, want 251..253", est)
	}
}

func TestHeavyMerge(t *testing.T) {
	var h heavy
	h.reset(100) // groups of 1, 101 marks
	for i := range 7 {
		h.add(uint32(i))
	}
	h.fit(150) // needs 151 marks: merge to groups of 2
	if h.group != 2 || h.n != 3 || h.partial != 1 || h.estimate() != 7 {
		t.Fatalf("after merge: group %d, marks %d, partial %d, estimate %d", h.group, h.n, h.partial, h.estimate())
	}
	if h.marks[0] != 1 || h.marks[2] != 5 {
		t.Fatalf("merged marks %v, want the later of each pair", h.marks[:3])
	}
}
