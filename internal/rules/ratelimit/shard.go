package ratelimit

import "sync"

const (
	minSlots = 8
	// maxLoad is the load (in percent) above which a table is purged of idle
	// keys and, if still too full, grown by half.
	maxLoad = 80
	// purgeLoad is the load (in percent) up to which a purged table keeps
	// its size.
	purgeLoad = 60
)

// slot is one key's record: 64 bytes.
type slot struct {
	hash  uint64 // keyed hash of (rule, key); 0 marks an empty slot
	last  uint32 // Unix seconds of the latest arrival
	heavy uint32 // 1 + index into shard.heavy, or 0
	light        // winSec and the exact ticks of a light key
}

// idle reports whether the slot's window is empty at Unix second now: its
// latest arrival, kept as at most the start of the second after s.last, is
// then at least winSec whole seconds before the start of second now.
func (s *slot) idle(now int64) bool {
	return now-int64(s.last) > int64(s.winSec)
}

// shard is one lock's worth of keys.
type shard struct {
	mu    sync.Mutex
	slots []slot
	n     int
	heavy []heavy
	free  []uint32
	over  overList
	_     [64]byte // keep neighbouring shards' locks off this cache line
}

// home returns the preferred slot index of hash h in a table of size n.
func home(h uint64, n int) int {
	return int((uint64(uint32(h)) * uint64(n)) >> 32)
}

// find returns the slot of h, inserting an empty record (with hash h) if
// absent. now is used to purge idle keys when the table must grow.
func (sh *shard) find(h uint64, now int64) *slot {
	if len(sh.slots) == 0 {
		sh.slots = make([]slot, minSlots)
	}
	n := len(sh.slots)
	for i := home(h, n); ; i = next(i, n) {
		s := &sh.slots[i]
		if s.hash == h {
			return s
		}
		if s.hash == 0 {
			break
		}
	}
	if (sh.n+1)*100 > n*maxLoad {
		sh.rebuild(now, true)
		n = len(sh.slots)
	}
	i := home(h, n)
	for sh.slots[i].hash != 0 {
		i = next(i, n)
	}
	sh.slots[i] = slot{hash: h}
	sh.n++
	return &sh.slots[i]
}

func next(i, n int) int {
	i++
	if i == n {
		return 0
	}
	return i
}

// rebuild drops idle keys and rehashes the rest. For an insert (grow), the
// table keeps its size if they fit under purgeLoad, else grows by half;
// otherwise a table at most a quarter full is halved until it is not.
func (sh *shard) rebuild(now int64, grow bool) {
	live := 0
	for i := range sh.slots {
		s := &sh.slots[i]
		if s.hash == 0 {
			continue
		}
		if s.idle(now) {
			sh.release(s)
			s.hash = 0
			continue
		}
		live++
	}
	size := len(sh.slots)
	switch {
	case grow && (live+1)*100 > size*purgeLoad:
		size += size / 2
	case !grow && live*4 <= size && size > minSlots:
		for size > minSlots && live*4 <= size {
			size /= 2
		}
		if size < minSlots {
			size = minSlots
		}
	}
	if live == sh.n && size == len(sh.slots) {
		return
	}
	old := sh.slots
	sh.slots = make([]slot, size)
	for i := range old {
		if old[i].hash == 0 {
			continue
		}
		j := home(old[i].hash, size)
		for sh.slots[j].hash != 0 {
			j = next(j, size)
		}
		sh.slots[j] = old[i]
	}
	sh.n = live
	if len(sh.free) == len(sh.heavy) {
		sh.heavy, sh.free = nil, nil
	}
}

// release frees the heavy record of s, if any.
func (sh *shard) release(s *slot) {
	if s.heavy != 0 {
		sh.free = append(sh.free, s.heavy-1)
		s.heavy = 0
	}
}

// newHeavy returns the index (plus one) of a fresh heavy record.
func (sh *shard) newHeavy() uint32 {
	if k := len(sh.free); k > 0 {
		idx := sh.free[k-1]
		sh.free = sh.free[:k-1]
		return idx + 1
	}
	sh.heavy = append(sh.heavy, heavy{})
	return uint32(len(sh.heavy))
}

// count records one arrival for s under w and returns the estimate.
func (sh *shard) count(s *slot, w *window, nowSec int64, winSec uint16) int64 {
	if s.idle(nowSec) {
		sh.release(s)
		s.light = light{}
	}
	s.last = uint32(nowSec)
	s.winSec = winSec
	if s.heavy != 0 {
		h := &sh.heavy[s.heavy-1]
		h.expire(w)
		if !h.empty() {
			h.fit(w.limit)
			h.add(w.arrival)
			return h.estimate()
		}
		sh.release(s)
	}
	s.light.expire(w)
	if s.light.n < lightCap || w.limit < lightCap {
		s.light.push(w.arrival)
		return int64(s.light.n)
	}
	// A full ring inside the window and a limit that needs more: go heavy.
	s.heavy = sh.newHeavy()
	h := &sh.heavy[s.heavy-1]
	h.reset(w.limit)
	for i := 0; i < int(s.light.n); i++ {
		h.add(s.light.ticks[(int(s.light.head)+i)%lightCap])
	}
	s.light.n, s.light.head = 0, 0
	h.add(w.arrival)
	return h.estimate()
}
