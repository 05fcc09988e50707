package redisstore

import (
	"sort"
	"sync"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// maxOverPerRule bounds the over-limit keys remembered per rule.
const maxOverPerRule = 1024

// overTracker is a bounded, replica-local list of over-limit keys per rule.
// Its zero value is ready to use; it is safe for concurrent use.
type overTracker struct {
	mu    sync.Mutex
	rules map[string]map[string]*overRec
}

type overRec struct {
	count              int64
	since, last, width int64 // Unix ms; width is the window
}

func (r *overRec) stale(now int64) bool { return now-r.last >= r.width }

// note records that key was over rule's limit with count at Unix ms now.
func (o *overTracker) note(rule string, key []byte, count, now, width int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.rules == nil {
		o.rules = map[string]map[string]*overRec{}
	}
	m := o.rules[rule]
	if m == nil {
		m = map[string]*overRec{}
		o.rules[rule] = m
	}
	if r := m[string(key)]; r != nil {
		if r.stale(now) {
			r.since = now
		}
		r.count, r.last, r.width = count, now, width
		return
	}
	if len(m) >= maxOverPerRule && !evict(m, count, now) {
		return
	}
	m[string(key)] = &overRec{count: count, since: now, last: now, width: width}
}

// evict removes a stale record, else the one with the smallest count if it
// is below count, and reports whether it made room.
func evict(m map[string]*overRec, count, now int64) bool {
	victim, min := "", count
	for k, r := range m {
		if r.stale(now) {
			delete(m, k)
			return true
		}
		if r.count < min {
			victim, min = k, r.count
		}
	}
	if min == count {
		return false
	}
	delete(m, victim)
	return true
}

// lookup returns key's count if it was over rule's limit less than a
// window before Unix ms now.
func (o *overTracker) lookup(rule string, key []byte, now int64) (int64, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.rules[rule][string(key)]
	if r == nil || r.stale(now) {
		return 0, false
	}
	return r.count, true
}

// collect returns rule's keys still over at Unix ms now, highest count first.
func (o *overTracker) collect(rule string, now int64) []ratelimit.OverKey {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []ratelimit.OverKey
	for k, r := range o.rules[rule] {
		if r.stale(now) {
			continue
		}
		out = append(out, ratelimit.OverKey{Key: k, Count: r.count, Since: time.UnixMilli(r.since), Last: time.UnixMilli(r.last)})
	}
	sortOverKeys(out)
	return out
}

// purge drops stale records.
func (o *overTracker) purge(now int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for rule, m := range o.rules {
		for k, r := range m {
			if r.stale(now) {
				delete(m, k)
			}
		}
		if len(m) == 0 {
			delete(o.rules, rule)
		}
	}
}

func sortOverKeys(keys []ratelimit.OverKey) {
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Count != keys[j].Count {
			return keys[i].Count > keys[j].Count
		}
		return keys[i].Key < keys[j].Key
	})
}
