package ratelimit

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
)

// TestKeysSpreadOverShards checks that the keys of one rule spread over
// every shard, so that no shard (and no shard's lock) takes every key: with
// 64 keys per shard on average, every shard holds some and none more than
// four times its share (a uniform hash passes both by a wide margin).
func TestKeysSpreadOverShards(t *testing.T) {
	m := NewMemory()
	const perShard = 64
	var per [len(m.shards)]int
	for i := range perShard * len(m.shards) {
		per[m.hash("r", []byte(fmt.Sprint("10.0.", i/256, ".", i%256)))>>(64-shardBits)]++
	}
	for s, n := range per {
		if n == 0 || n > 4*perShard {
			t.Fatalf("shard %d holds %d of %d keys, want about %d", s, n, perShard*len(m.shards), perShard)
		}
	}
}

// TestDistinctKeysHashApart checks that distinct keys never share a
// counter: the store keeps only a key's hash, so two keys with one hash
// would be counted as one key. Among three million keys of a rule no two
// hashes are equal; with all 64 bits of hash in use two are with odds of
// about 1 in 4 million, while a hash that kept only 37 bits would give
// dozens of pairs.
func TestDistinctKeysHashApart(t *testing.T) {
	m := NewMemory()
	const n = 3 << 20
	hashes := make([]uint64, n)
	var key []byte
	for i := range hashes {
		key = strconv.AppendInt(key[:0], int64(i), 10)
		hashes[i] = m.hash("r", key)
	}
	slices.Sort(hashes)
	same := 0
	for i := 1; i < n; i++ {
		if hashes[i] == hashes[i-1] {
			same++
		}
	}
	if same > 0 {
		t.Fatalf("%d pairs of %d distinct keys share a hash", same, n)
	}
}
