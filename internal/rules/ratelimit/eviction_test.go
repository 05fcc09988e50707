package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func decide(t *testing.T, m *Memory, at time.Time, rule, key string, limit int64, w time.Duration) Result {
	t.Helper()
	res := make([]Result, 1)
	hits := []Hit{{Rule: rule, Key: []byte(key), Limit: limit, Window: w, Terminating: true}}
	if err := m.Decide(t.Context(), at, hits, res); err != nil {
		t.Fatal(err)
	}
	return res[0]
}

func TestSweepEvictsIdleKeys(t *testing.T) {
	m := NewMemory()
	for i := range 5000 {
		// 20 requests each: heavy keys for a limit of 100.
		for j := range 20 {
			decide(t, m, t0.Add(time.Duration(j)*time.Millisecond), "r", fmt.Sprint("k", i), 100, time.Minute)
		}
	}
	decide(t, m, t0.Add(30*time.Second), "long", "x", 100, 10*time.Minute)
	if got := m.Len(); got != 5001 {
		t.Fatalf("Len = %d, want 5001", got)
	}
	m.Sweep(t0.Add(59 * time.Second))
	if got := m.Len(); got != 5001 {
		t.Fatalf("Len after an early sweep = %d, want 5001", got)
	}
	m.Sweep(t0.Add(62 * time.Second))
	if got := m.Len(); got != 1 {
		t.Fatalf("Len after the window = %d, want 1 (the 10-minute key)", got)
	}
	slots, heavies := 0, 0
	for i := range m.shards {
		slots += len(m.shards[i].slots)
		heavies += len(m.shards[i].heavy)
	}
	if slots > minSlots || heavies != 0 {
		t.Fatalf("after sweep: %d slots, %d heavy records allocated", slots, heavies)
	}
	m.Sweep(t0.Add(11 * time.Minute))
	if got := m.Len(); got != 0 {
		t.Fatalf("Len = %d, want 0", got)
	}
}

func TestGrowthPurgesIdleKeys(t *testing.T) {
	m := NewMemory()
	// Waves of new keys, each wave idle by the next: the table must not
	// keep growing.
	for wave := range 20 {
		at := t0.Add(time.Duration(wave) * 2 * time.Minute)
		for i := range 2000 {
			decide(t, m, at, "r", fmt.Sprint(wave, "-", i), 10, time.Minute)
		}
	}
	if got := m.Len(); got > 4000 {
		t.Fatalf("Len = %d after 20 waves of 2000 keys, want idle waves purged", got)
	}
}

func TestIdleKeyResets(t *testing.T) {
	m := NewMemory()
	for i := range 150 {
		decide(t, m, t0.Add(time.Duration(i)*time.Millisecond), "r", "k", 100, time.Minute)
	}
	if r := decide(t, m, t0.Add(2*time.Minute), "r", "k", 100, time.Minute); r.Count != 1 || r.Over {
		t.Fatalf("after idle: %+v, want count 1", r)
	}
}

func TestOverKeys(t *testing.T) {
	m := NewMemory()
	for i := range 15 {
		decide(t, m, t0.Add(time.Duration(i)*time.Second), "r", "heavy", 10, time.Minute)
	}
	for i := range 12 {
		decide(t, m, t0.Add(time.Duration(i)*time.Second), "r", "light", 10, time.Minute)
		decide(t, m, t0.Add(time.Duration(i)*time.Second), "other", "light", 100, time.Minute)
	}
	got := m.OverKeys("r", t0.Add(20*time.Second))
	if len(got) != 2 || got[0].Key != "heavy" || got[1].Key != "light" {
		t.Fatalf("OverKeys = %+v, want heavy then light", got)
	}
	if !got[0].Since.Equal(t0.Add(10*time.Second)) || !got[0].Last.Equal(t0.Add(14*time.Second)) || got[0].Count <= 10 {
		t.Fatalf("heavy = %+v", got[0])
	}
	if o := m.OverKeys("other", t0.Add(20*time.Second)); len(o) != 0 {
		t.Fatalf("OverKeys(other) = %+v, want none", o)
	}
	if o := m.OverKeys("r", t0.Add(75*time.Second)); len(o) != 0 {
		t.Fatalf("OverKeys after the window = %+v, want none", o)
	}
}

// TestOverKeysHighestCountFirst checks that OverKeys lists the heaviest
// key first, whatever the order of the keys' names.
func TestOverKeysHighestCountFirst(t *testing.T) {
	m := NewMemory()
	for key, n := range map[string]int{"a": 3, "b": 5, "c": 4} {
		for range n {
			decide(t, m, t0, "r", key, 1, time.Minute)
		}
	}
	var got []string
	for _, k := range m.OverKeys("r", t0) {
		got = append(got, fmt.Sprint(k.Key, "=", k.Count))
	}
	if fmt.Sprint(got) != "[b=5 c=4 a=3]" {
		t.Fatalf("OverKeys = %v, want [b=5 c=4 a=3]", got)
	}
}

// TestOverKeysRuleShare checks the bound on a rule's over-limit keys in a
// shard: a rule holding its share (overPerRuleShard keys) makes room for a
// heavier new key by replacing its own lightest key, never another rule's,
// even one lighter still.
func TestOverKeysRuleShare(t *testing.T) {
	m := NewMemory()
	const sh = 3
	other := keysInShard(t, m, "a", sh, 1)[0]
	keys := keysInShard(t, m, "r", sh, overPerRuleShard+1)
	count := func(rule, key string, n int) {
		for range n {
			decide(t, m, t0, rule, key, 1, time.Minute)
		}
	}
	count("a", other, 2) // listed first, lightest of all
	count("r", keys[0], 3)
	for _, k := range keys[1:overPerRuleShard] {
		count("r", k, 4)
	}
	count("r", keys[overPerRuleShard], 5)
	listed := map[string]int64{}
	for _, k := range m.OverKeys("r", t0) {
		listed[k.Key] = k.Count
	}
	if len(listed) != overPerRuleShard || listed[keys[overPerRuleShard]] != 5 || listed[keys[0]] != 0 {
		t.Fatalf("rule r lists %v; want its %d keys with %s=5 in place of %s", listed, overPerRuleShard, keys[overPerRuleShard], keys[0])
	}
	if o := m.OverKeys("a", t0); len(o) != 1 || o[0].Key != other {
		t.Fatalf("rule a lists %+v, want its key %s kept", o, other)
	}
}

func TestOverKeysBounded(t *testing.T) {
	m := NewMemory()
	for i := range 100_000 {
		k := fmt.Sprint("k", i)
		for range 11 {
			decide(t, m, t0, "r", k, 10, time.Minute)
		}
	}
	got := m.OverKeys("r", t0)
	if len(got) > overPerRuleShard*len(m.shards) || len(got) < len(m.shards) {
		t.Fatalf("%d over keys listed, want between %d and %d", len(got), len(m.shards), overPerRuleShard*len(m.shards))
	}
}

func TestDecideRejectsBadHits(t *testing.T) {
	m := NewMemory()
	res := make([]Result, 1)
	for _, h := range []Hit{
		{Rule: "r", Limit: 0, Window: time.Minute},
		{Rule: "r", Limit: 10, Window: 0},
		{Rule: "r", Limit: 10, Window: time.Millisecond - 1},
		{Rule: "r", Limit: 10, Window: MaxWindow + 1},
		{Rule: "r", Limit: 10, Window: 24 * time.Hour},
	} {
		if err := m.Decide(t.Context(), t0, []Hit{h}, res); err == nil {
			t.Errorf("Decide(%+v): no error", h)
		}
	}
	// The bounds themselves are accepted.
	for _, h := range []Hit{
		{Rule: "r", Limit: 1, Window: time.Millisecond},
		{Rule: "r", Limit: 1, Window: MaxWindow},
	} {
		if err := m.Decide(t.Context(), t0, []Hit{h}, res); err != nil {
			t.Errorf("Decide(%+v): %v", h, err)
		}
	}
}

// After a terminating hit over its limit, every later hit of the batch is
// left uncounted and its result zero, whatever the results slice held.
func TestTerminatingHitStopsTheBatch(t *testing.T) {
	m := NewMemory()
	hits := []Hit{
		{Rule: "block", Key: []byte("k"), Limit: 1, Window: time.Minute, Terminating: true},
		{Rule: "a", Key: []byte("k"), Limit: 10, Window: time.Minute},
		{Rule: "b", Key: []byte("k"), Limit: 10, Window: time.Minute},
	}
	res := make([]Result, 3)
	for i := range 2 {
		for j := range res {
			res[j] = Result{Counted: true, Count: 99, Over: true}
		}
		if err := m.Decide(t.Context(), t0, hits, res); err != nil {
			t.Fatal(err)
		}
		if i == 1 && (res[0] != Result{Counted: true, Count: 2, Over: true} || res[1] != Result{} || res[2] != Result{}) {
			t.Fatalf("results %+v; want the block counted over, the rest zero", res)
		}
	}
}

// An over-limit key stays listed until its latest over-limit request has
// left the window, to the millisecond; Sweep keeps the keys still over and
// forgets the others.
func TestOverKeysUntilTheWindowEnds(t *testing.T) {
	m := NewMemory()
	for i := range 3 {
		decide(t, m, t0.Add(time.Duration(i)*time.Second), "r", "a", 1, time.Minute)
		decide(t, m, t0.Add(time.Duration(i)*time.Second), "r", "b", 1, time.Minute)
	}
	end := t0.Add(2*time.Second + time.Minute) // b's and a's last over-limit request + the window
	if got := m.OverKeys("r", end.Add(-time.Millisecond)); len(got) != 2 {
		t.Fatalf("1 ms before the end: %+v, want a and b", got)
	}
	if got := m.OverKeys("r", end); len(got) != 0 {
		t.Fatalf("at the end: %+v, want none", got)
	}
	m.Sweep(end.Add(-time.Millisecond))
	if got := m.OverKeys("r", end.Add(-time.Millisecond)); len(got) != 2 {
		t.Fatalf("after a sweep before the end: %+v, want a and b", got)
	}
	m.Sweep(end)
	for i := range m.shards {
		if n := len(m.shards[i].over.recs); n != 0 {
			t.Fatalf("shard %d keeps %d over-limit records after the window", i, n)
		}
	}
}

// A sweep that drops idle keys keeps the heavy record of a key still in
// its window: its count goes on exactly.
func TestSweepKeepsLiveHeavyRecords(t *testing.T) {
	m := NewMemory()
	sh := uint64(5)
	keys := keysInShard(t, m, "r", sh, 2)
	decide(t, m, t0.Add(-2*time.Minute), "r", keys[0], 100, time.Minute) // idle at t0
	for range 12 {
		decide(t, m, t0, "r", keys[1], 100, time.Minute) // heavy
	}
	m.Sweep(t0.Add(time.Second))
	if n := m.shards[sh].n; n != 1 {
		t.Fatalf("%d keys in the shard after the sweep, want 1", n)
	}
	if r := decide(t, m, t0.Add(2*time.Second), "r", keys[1], 100, time.Minute); r.Count != 13 {
		t.Fatalf("count %d after the sweep, want 13", r.Count)
	}
}

// TestKeyIdleOnceItsWindowIsEmpty checks when a key's record goes: a
// request at 0.9995 s (kept as 1 s, rounded up) is in a one-minute window
// until 61 s, exclusive. At 60.999 s it still counts and a sweep keeps the
// key; from 61 s, the first whole second its window is surely empty, a
// sweep removes it and a new request counts alone.
func TestKeyIdleOnceItsWindowIsEmpty(t *testing.T) {
	first := t0.Add(999500 * time.Microsecond)
	last, gone := t0.Add(60999*time.Millisecond), t0.Add(61*time.Second)
	m := NewMemory()
	decide(t, m, first, "r", "k", 10, time.Minute)
	m.Sweep(last)
	if n := m.Len(); n != 1 {
		t.Fatalf("a sweep at 60.999 s leaves %d keys, want the key kept", n)
	}
	m.Sweep(gone)
	if n := m.Len(); n != 0 {
		t.Fatalf("a sweep at 61 s leaves %d keys, want none", n)
	}
	for _, tt := range []struct {
		at   time.Time
		want int64
	}{{last, 2}, {gone, 1}} {
		m := NewMemory()
		decide(t, m, first, "r", "k", 10, time.Minute)
		if r := decide(t, m, tt.at, "r", "k", 10, time.Minute); r.Count != tt.want {
			t.Errorf("a request at %v counts %d, want %d", tt.at.Sub(t0), r.Count, tt.want)
		}
	}
}
