package ratelimit

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"
)

// overStep sends n requests at t0+at for each of rule's keys from..to-1
// (keys of one shard), under a limit of 1 and a one-minute window: each
// key's count is its number of requests, and it is over from its second.
type overStep struct {
	rule     string
	from, to int
	n        int
	at       time.Duration
}

// TestOverKeysVictim pins whom a full over-limit memory gives up for a new
// over-limit key, and so whom a flood can push out of it: a key whose
// window has passed goes first; else the lightest key of the new key's rule
// if the rule holds its share of the shard (overPerRuleShard), else the
// lightest key of the shard (overPerShard); and the new key takes its place
// only when it is heavier. Of equally light keys the one listed longest
// goes. An attacker flooding new keys just over the
// limit therefore never evicts the heavier keys already listed, and never
// grows the list past its bound.
func TestOverKeysVictim(t *testing.T) {
	const sh = 9
	for _, tt := range []struct {
		name  string
		steps []overStep
		at    time.Duration       // when OverKeys is read
		want  map[string][]string // rule: "key index=count", sorted
	}{
		{
			name: "a flood of keys as heavy as the lightest kept one evicts none",
			steps: []overStep{
				{"r", 0, 16, 3, 0},
				{"r", 16, 116, 3, time.Second},
			},
			at:   time.Second,
			want: map[string][]string{"r": keyRange(0, 16, 3)},
		},
		{
			name: "a heavier key replaces the lightest of its rule's share",
			steps: []overStep{
				{"r", 0, 1, 2, 0},
				{"r", 1, 16, 3, 0},
				{"r", 16, 17, 4, 0},
			},
			want: map[string][]string{"r": append(keyRange(1, 16, 3), "16=4")},
		},
		{
			name: "a heavier key replaces the lightest of its rule's share, not the first",
			steps: []overStep{
				{"r", 0, 15, 3, 0},
				{"r", 15, 16, 2, 0},
				{"r", 16, 17, 4, 0},
			},
			want: map[string][]string{"r": append(keyRange(0, 15, 3), "16=4")},
		},
		{
			name: "a rule holding its share never gives up another rule's key, even a lighter one",
			steps: []overStep{
				{"r", 0, 1, 3, 0},
				{"a", 0, 1, 2, 0},
				{"r", 1, 16, 3, 0},
				{"r", 16, 17, 4, 0},
			},
			want: map[string][]string{"r": append(keyRange(1, 16, 3), "16=4"), "a": {"0=2"}},
		},
		{
			name: "of equally light keys, the one listed longest goes",
			steps: []overStep{
				{"r", 0, 16, 3, 0},
				{"r", 16, 17, 4, time.Second}, // in place of key 0
				{"r", 1, 16, 1, time.Second},  // keys 1-15 now as heavy as key 16
				{"r", 17, 18, 5, time.Second}, // in place of key 1, listed before key 16
			},
			at:   time.Second,
			want: map[string][]string{"r": append(keyRange(2, 17, 4), "17=5")},
		},
		{
			name: "a key whose window has passed goes first, however heavy",
			steps: []overStep{
				{"r", 0, 1, 9, 0},
				{"r", 1, 16, 5, 30 * time.Second},
				{"r", 16, 17, 2, time.Minute},
			},
			at:   time.Minute,
			want: map[string][]string{"r": append(keyRange(1, 16, 5), "16=2")},
		},
		{
			name: "a rule under its share replaces the lightest key of a full shard, of any rule",
			steps: []overStep{
				{"a", 0, 16, 3, 0},
				{"b", 0, 1, 2, 0},
				{"b", 1, 16, 3, 0},
				{"c", 0, 16, 3, 0},
				{"d", 0, 16, 3, 0},
				{"e", 0, 1, 4, 0},
			},
			want: map[string][]string{
				"a": keyRange(0, 16, 3),
				"b": keyRange(1, 16, 3),
				"c": keyRange(0, 16, 3),
				"d": keyRange(0, 16, 3),
				"e": {"0=4"},
			},
		},
		{
			name: "lighter keys of a rule under its share find no room in a full shard",
			steps: []overStep{
				{"a", 0, 16, 3, 0},
				{"b", 0, 16, 3, 0},
				{"c", 0, 16, 3, 0},
				{"d", 0, 16, 3, 0},
				{"e", 0, 16, 2, 0},
			},
			want: map[string][]string{
				"a": keyRange(0, 16, 3),
				"b": keyRange(0, 16, 3),
				"c": keyRange(0, 16, 3),
				"d": keyRange(0, 16, 3),
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMemory()
			keys := map[string][]string{}
			for _, s := range tt.steps {
				if keys[s.rule] == nil {
					keys[s.rule] = keysInShard(t, m, s.rule, sh, 116)
				}
				for _, k := range keys[s.rule][s.from:s.to] {
					for range s.n {
						decide(t, m, t0.Add(s.at), s.rule, k, 1, time.Minute)
					}
				}
			}
			for _, rule := range slices.Sorted(maps.Keys(keys)) {
				index := map[string]int{}
				for i, k := range keys[rule] {
					index[k] = i
				}
				got := []string{}
				for _, o := range m.OverKeys(rule, t0.Add(tt.at)) {
					got = append(got, fmt.Sprint(index[o.Key], "=", o.Count))
				}
				slices.Sort(got)
				want := slices.Sorted(slices.Values(tt.want[rule]))
				if want == nil {
					want = []string{}
				}
				if !slices.Equal(got, want) {
					t.Errorf("rule %s lists %v, want %v", rule, got, want)
				}
			}
		})
	}
}

// keyRange returns "i=count" for the key indexes from..to-1.
func keyRange(from, to int, count int64) []string {
	var s []string
	for i := from; i < to; i++ {
		s = append(s, fmt.Sprint(i, "=", count))
	}
	return s
}
