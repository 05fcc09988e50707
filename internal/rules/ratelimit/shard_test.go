package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

// TestShardSizing pins how a shard sizes its table. An insert into a table
// over maxLoad (80%) first drops the idle keys, then keeps the table's size
// if the live keys and the new one fit in purgeLoad (60%) of it, and grows
// it by half otherwise; it never shrinks the table. A sweep halves a table
// at most a quarter full until it is more than a quarter full, down to
// minSlots. Every live key survives the rebuild; every idle one is gone.
func TestShardSizing(t *testing.T) {
	// Keys counted under a 60 s window at Unix second old are idle at now.
	const old, now = 1_000_000, 1_000_100
	for _, tt := range []struct {
		name             string
		size, live, idle int
		insert           bool // an insert over maxLoad, else a sweep
		want             int
	}{
		{"insert grows a table of live keys", 8, 6, 0, true, 12},
		{"insert grows a purged table over 60%", 8, 4, 2, true, 12},  // 5 of 8
		{"insert keeps a purged table under 60%", 8, 3, 3, true, 8},  // 4 of 8
		{"insert keeps a table at exactly 60%", 40, 23, 9, true, 40}, // 24 of 40
		{"insert grows a table just over 60%", 40, 24, 8, true, 60},  // 25 of 40
		{"insert never shrinks a table", 40, 1, 31, true, 40},
		{"sweep halves a table exactly a quarter full", 12, 3, 0, false, 8},
		{"sweep halves while a quarter full or less", 40, 10, 5, false, 20},
		{"sweep keeps a table over a quarter full", 40, 11, 0, false, 40},
		{"sweep stops at minSlots", 12, 1, 2, false, 8},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sh := &shard{slots: make([]slot, tt.size)}
			var live, idle []uint64
			for i := range tt.idle {
				idle = append(idle, testHash(i))
				countAt(sh, idle[i], old)
			}
			for i := range tt.live {
				live = append(live, testHash(tt.idle+i))
				countAt(sh, live[i], now)
			}
			if len(sh.slots) != tt.size {
				t.Fatalf("setup: table of %d slots, want %d", len(sh.slots), tt.size)
			}
			if tt.insert {
				live = append(live, testHash(tt.idle+tt.live))
				countAt(sh, live[len(live)-1], now)
			} else {
				sh.rebuild(now, false)
			}
			if len(sh.slots) != tt.want || sh.n != len(live) {
				t.Fatalf("table of %d slots holding %d keys, want %d slots holding %d", len(sh.slots), sh.n, tt.want, len(live))
			}
			for _, h := range live {
				if !holds(sh, h) {
					t.Fatalf("live key %#x lost", h)
				}
			}
			for _, h := range idle {
				if holds(sh, h) {
					t.Fatalf("idle key %#x kept", h)
				}
			}
		})
	}
}

// testHash returns the i-th of distinct nonzero hashes spread over the
// table (the multiplier is odd, so the hashes are distinct).
func testHash(i int) uint64 { return uint64(i+1) * 0x9e3779b97f4a7c15 }

// countAt counts one arrival of the key with hash h at Unix second sec,
// under a 60 s window and a limit of 10.
func countAt(sh *shard, h uint64, sec int64) {
	w := window{arrival: uint32(sec * 1000), query: uint32(sec * 1000), length: 60_000, limit: 10}
	sh.count(sh.find(h, sec), &w, sec, 60)
}

// holds reports whether sh has a slot for hash h.
func holds(sh *shard, h uint64) bool {
	for i := range sh.slots {
		if sh.slots[i].hash == h {
			return true
		}
	}
	return false
}

// keysInShard returns n keys of rule that m keeps in shard s. It fails the
// test when fifty times as many keys as a uniform hash needs give too
// few (a hash that leaves shard s empty), rather than search for ever.
func keysInShard(t testing.TB, m *Memory, rule string, s uint64, n int) []string {
	t.Helper()
	var keys []string
	for i := 0; len(keys) < n; i++ {
		if i == 50*n*len(m.shards) {
			t.Fatalf("%d keys of rule %s give %d in shard %d, want %d", i, rule, len(keys), s, n)
		}
		k := fmt.Sprint("k", i)
		if m.hash(rule, []byte(k))>>(64-shardBits) == s {
			keys = append(keys, k)
		}
	}
	return keys
}

// TestHeavyRecordReused checks that the heavy record a key gives up when it
// goes idle serves the next key of its shard that goes heavy, and that
// keys sharing a shard never share a record: every count stays exact
// (a limit of 100 counts in groups of one).
func TestHeavyRecordReused(t *testing.T) {
	m := NewMemory()
	sh := uint64(7) // not a constant: m.shards[sh] must compile whatever the shard count
	keys := keysInShard(t, m, "r", sh, 4)
	a, b, c, d := keys[0], keys[1], keys[2], keys[3]
	count := func(key string, at time.Time, n int) int64 {
		var r Result
		for range n {
			r = decide(t, m, at, "r", key, 100, time.Minute)
		}
		return r.Count
	}
	t1 := t0.Add(2 * time.Minute)
	for _, step := range []struct {
		key  string
		at   time.Time
		n    int
		want int64
	}{
		{a, t0, 12, 12}, // heavy: a full ring of 11 and a limit above it
		{b, t0.Add(100 * time.Second), 12, 12},
		{a, t1, 1, 1}, // idle since t0: light again, its record freed
		{c, t1, 12, 12},
		{d, t1, 12, 12},
		{b, t1.Add(time.Second), 1, 13},
		{c, t1.Add(time.Second), 1, 13},
		{d, t1.Add(time.Second), 1, 13},
		{a, t1.Add(time.Second), 1, 2},
	} {
		if got := count(step.key, step.at, step.n); got != step.want {
			t.Fatalf("key %s at %v: count %d, want %d", step.key, step.at.Sub(t0), got, step.want)
		}
	}
	if n := len(m.shards[sh].heavy); n != 3 {
		t.Fatalf("%d heavy records allocated for at most 3 heavy keys at a time", n)
	}
}

// TestHomeSpreadsKeys checks that a key's home slot spreads the keys over
// the whole table, so that linear probing stays short: 4096 keys with
// evenly spread hashes (testHash) in one shard, a table about 80% full,
// lie on average less than one slot past their home.
func TestHomeSpreadsKeys(t *testing.T) {
	sh := &shard{}
	const n = 4096
	for i := range n {
		countAt(sh, testHash(i), 1_000_000)
	}
	size := len(sh.slots)
	dist := 0
	for i := range sh.slots {
		if h := sh.slots[i].hash; h != 0 {
			dist += (i - home(h, size) + size) % size
		}
	}
	if sh.n != n || dist >= n {
		t.Fatalf("%d keys in %d slots lie %.1f slots past their home on average", sh.n, size, float64(dist)/n)
	}
}
