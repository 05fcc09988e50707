package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"time"
)

const shardBits = 8

// MaxWindow is the longest window a store accepts.
const MaxWindow = 65535 * time.Second

// Memory is the in-memory Store. See the package doc for its estimator,
// error bound and memory use.
//
// A Memory is safe for concurrent use. Its zero value is not usable; create
// one with NewMemory.
type Memory struct {
	seed   maphash.Seed
	shards [1 << shardBits]shard
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store with a random hash seed.
func NewMemory() *Memory {
	return &Memory{seed: maphash.MakeSeed()}
}

// ErrResultsTooShort is returned by Decide when results is shorter than hits.
var ErrResultsTooShort = errors.New("ratelimit: results shorter than hits")

// Decide implements Store. It returns an error only for a malformed hit
// (Limit below 1, Window not in (0, 65535 s]) or a short results slice.
func (m *Memory) Decide(_ context.Context, now time.Time, hits []Hit, results []Result) error {
	if len(results) < len(hits) {
		return ErrResultsTooShort
	}
	for i := range hits {
		if err := CheckHit(&hits[i]); err != nil {
			return err
		}
	}
	ns := now.UnixNano()
	nowMs := floorDiv(ns, int64(time.Millisecond))
	arrival := uint32(nowMs)
	if ns != nowMs*int64(time.Millisecond) {
		arrival++
	}
	nowSec := floorDiv(ns, int64(time.Second))
	stopped := false
	for i := range hits {
		h := &hits[i]
		if stopped {
			results[i] = Result{}
			continue
		}
		w := window{arrival: arrival, query: uint32(nowMs), length: int32(h.Window / time.Millisecond), limit: h.Limit}
		winSec := uint16((h.Window + time.Second - 1) / time.Second)
		key := m.hash(h.Rule, h.Key)
		sh := &m.shards[key>>(64-shardBits)]
		sh.mu.Lock()
		s := sh.find(key, nowSec)
		c := sh.count(s, &w, nowSec, winSec)
		over := c > h.Limit
		if over {
			sh.over.note(key, h.Rule, h.Key, c, nowMs, int64(w.length))
		}
		sh.mu.Unlock()
		results[i] = Result{Counted: true, Count: c, Over: over}
		if over && h.Terminating {
			stopped = true
		}
	}
	return nil
}

// CheckHit returns an error for a hit no store can decide: a limit below
// 1, or a window outside [1 ms, MaxWindow].
func CheckHit(h *Hit) error {
	if h.Limit < 1 {
		return fmt.Errorf("ratelimit: rule %q: limit %d below 1", h.Rule, h.Limit)
	}
	if h.Window < time.Millisecond || h.Window > MaxWindow {
		return fmt.Errorf("ratelimit: rule %q: window %v not in [1ms, %v]", h.Rule, h.Window, MaxWindow)
	}
	return nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// hash returns the keyed, nonzero hash of (rule, key).
func (m *Memory) hash(rule string, key []byte) uint64 {
	h := maphash.Bytes(m.seed, key) ^ maphash.String(m.seed, rule)*0x9e3779b97f4a7c15
	// splitmix64 finaliser: spread the combination over all bits.
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	if h == 0 {
		h = 1
	}
	return h
}

// OverKeys returns the keys that rule found over its limit within their
// window before now, highest count first. The list is bounded (see the
// package doc), so under a flood of distinct keys it holds the heaviest.
func (m *Memory) OverKeys(rule string, now time.Time) []OverKey {
	nowMs := now.UnixMilli()
	var keys []OverKey
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		keys = sh.over.collect(keys, rule, nowMs)
		sh.mu.Unlock()
	}
	sortOverKeys(keys)
	return keys
}

// Sweep removes every key whose window is empty at now, shrinks tables that
// emptied, and forgets over-limit keys whose window has passed. Call it
// periodically; Decide also purges a shard before growing it.
func (m *Memory) Sweep(now time.Time) {
	nowSec := floorDiv(now.UnixNano(), int64(time.Second))
	nowMs := now.UnixMilli()
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		if len(sh.slots) > 0 {
			sh.rebuild(nowSec, false)
			if sh.n == 0 {
				sh.slots = nil
			}
		}
		sh.over.purge(nowMs)
		sh.mu.Unlock()
	}
}

// Len returns the number of keys held, idle ones not yet swept included.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		n += sh.n
		sh.mu.Unlock()
	}
	return n
}
