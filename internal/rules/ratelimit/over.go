package ratelimit

import (
	"sort"
	"time"
)

const (
	// overPerShard bounds the over-limit keys a shard remembers.
	overPerShard = 64
	// overPerRuleShard bounds them per rule and shard.
	overPerRuleShard = 16
)

// OverKey is one key that a rule found over its limit.
type OverKey struct {
	// Key is the aggregation key as the request presented it.
	Key string
	// Count is the key's estimated count at its latest over-limit request.
	Count int64
	// Since is when the key went over in this episode.
	Since time.Time
	// Last is the latest over-limit request.
	Last time.Time
}

// overRec is a remembered over-limit key.
type overRec struct {
	hash   uint64
	rule   string
	key    string
	count  int64
	since  int64 // Unix ms
	last   int64 // Unix ms
	window int64 // ms
}

// stale reports whether the record's latest over-limit request has left its
// window at Unix ms now, so the key is no longer over.
func (r *overRec) stale(now int64) bool { return now-r.last >= r.window }

// overList is a shard's bounded set of over-limit keys.
type overList struct {
	recs []overRec
}

// note records that (rule, key) with hash h was over at Unix ms now. It
// allocates only when it remembers a key it did not hold.
func (o *overList) note(h uint64, rule string, key []byte, count, now, window int64) {
	for i := range o.recs {
		r := &o.recs[i]
		if r.hash == h {
			if r.stale(now) {
				r.since = now
			}
			r.count, r.last, r.window = count, now, window
			return
		}
	}
	rec := overRec{hash: h, rule: rule, count: count, since: now, last: now, window: window}
	if len(o.recs) < overPerShard && o.ruleCount(rule) < overPerRuleShard {
		rec.key = string(key)
		o.recs = append(o.recs, rec)
		return
	}
	v := o.victim(rule, now)
	if v < 0 || (!o.recs[v].stale(now) && o.recs[v].count >= count) {
		return
	}
	// The new key goes last: the records stay in the order they were
	// listed, so of equally light keys the one listed longest goes first.
	rec.key = string(key)
	copy(o.recs[v:], o.recs[v+1:])
	o.recs[len(o.recs)-1] = rec
}

func (o *overList) ruleCount(rule string) int {
	n := 0
	for i := range o.recs {
		if o.recs[i].rule == rule {
			n++
		}
	}
	return n
}

// victim picks the record to replace for a new key of rule: a stale one,
// else the smallest count of rule if rule has its share, else the smallest
// count overall; of equal counts, the first (the one listed longest).
func (o *overList) victim(rule string, now int64) int {
	sameRule := o.ruleCount(rule) >= overPerRuleShard
	v := -1
	for i := range o.recs {
		r := &o.recs[i]
		if r.stale(now) {
			return i
		}
		if sameRule && r.rule != rule {
			continue
		}
		if v < 0 || r.count < o.recs[v].count {
			v = i
		}
	}
	return v
}

// collect appends rule's current over-limit keys to dst.
func (o *overList) collect(dst []OverKey, rule string, now int64) []OverKey {
	for i := range o.recs {
		r := &o.recs[i]
		if r.rule != rule || r.stale(now) {
			continue
		}
		dst = append(dst, OverKey{
			Key:   r.key,
			Count: r.count,
			Since: time.UnixMilli(r.since),
			Last:  time.UnixMilli(r.last),
		})
	}
	return dst
}

// purge drops stale records.
func (o *overList) purge(now int64) {
	k := 0
	for _, r := range o.recs {
		if !r.stale(now) {
			o.recs[k] = r
			k++
		}
	}
	clear(o.recs[k:])
	o.recs = o.recs[:k]
	if k == 0 {
		o.recs = nil
	}
}

// sortOverKeys orders keys by count, highest first, then by key.
func sortOverKeys(keys []OverKey) {
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Count != keys[j].Count {
			return keys[i].Count > keys[j].Count
		}
		return keys[i].Key < keys[j].Key
	})
}
