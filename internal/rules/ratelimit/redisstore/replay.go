package redisstore

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// maxJournal bounds the hits a Guard remembers to add to the shared
// counters when their node answers again (about 100 bytes each).
const maxJournal = 100_000

// replayBatch is the most locally counted hits one script call adds:
// enough to push any key over a limit of up to that many in one call.
const replayBatch = 128

// localHit is one hit counted on local counters while its node's circuit
// was open.
type localHit struct {
	rule   string
	key    string
	limit  int64
	window time.Duration
	tick   int64 // arrival, Unix ms
}

// pending is one (rule, key)'s locally counted hits and the node that
// held its counter when they were counted.
type pending struct {
	node string
	hits []localHit
}

// journal keeps the hits counted locally while circuits were open, by
// (rule, key), until they are added to the shared counters: by the first
// shared decision of the same key (in the same script call), or by the
// probe that closes the node's circuit. Its zero value is ready; it is
// safe for concurrent use.
type journal struct {
	n       atomic.Int64 // hits held; 0 lets shared decisions skip the lock
	mu      sync.Mutex
	byKey   map[string]*pending
	dropped uint64
}

func journalKey(rule string, key []byte) string { return rule + "\x00" + string(key) }

// add records the counted hits of a run decided locally for node.
func (j *journal) add(node string, hits []ratelimit.Hit, results []ratelimit.Result, tick int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.byKey == nil {
		j.byKey = map[string]*pending{}
	}
	for i := range hits {
		if !results[i].Counted {
			continue
		}
		if j.n.Load() >= maxJournal {
			j.dropped++
			continue
		}
		h := &hits[i]
		k := journalKey(h.Rule, h.Key)
		p := j.byKey[k]
		if p == nil {
			p = &pending{}
			j.byKey[k] = p
		}
		p.node = node
		p.hits = append(p.hits, localHit{rule: h.Rule, key: string(h.Key), limit: h.Limit, window: h.Window, tick: tick})
		j.n.Add(1)
	}
}

// forHits removes and returns up to replayBatch pending hits of the
// (rule, key)s of hits.
func (j *journal) forHits(hits []ratelimit.Hit) []localHit {
	if j.n.Load() == 0 {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []localHit
	for i := range hits {
		k := journalKey(hits[i].Rule, hits[i].Key)
		p := j.byKey[k]
		if p == nil {
			continue
		}
		m := min(len(p.hits), replayBatch-len(out))
		out = append(out, p.hits[:m]...)
		p.hits = p.hits[m:]
		if len(p.hits) == 0 {
			delete(j.byKey, k)
		}
		j.n.Add(-int64(m))
		if len(out) == replayBatch {
			break
		}
	}
	return out
}

// putBack returns hits that could not be replayed.
func (j *journal) putBack(node string, hits []localHit) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.byKey == nil {
		j.byKey = map[string]*pending{}
	}
	for _, h := range hits {
		k := h.rule + "\x00" + h.key
		p := j.byKey[k]
		if p == nil {
			p = &pending{node: node}
			j.byKey[k] = p
		}
		p.hits = append(p.hits, h)
		j.n.Add(1)
	}
}

// take removes and returns the hits counted while node's circuit was open.
func (j *journal) take(node string) []localHit {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []localHit
	for k, p := range j.byKey {
		if p.node == node {
			out = append(out, p.hits...)
			j.n.Add(-int64(len(p.hits)))
			delete(j.byKey, k)
		}
	}
	return out
}

// replay adds hits (counted locally during an outage) to the shared
// counters, each at its own arrival time or the key's latest, whichever is
// later, so that nothing admitted during the outage is forgotten. Hits
// whose window has passed at now are skipped. It returns the number added
// and, on error, the hits not added.
func (s *Store) replay(ctx context.Context, now time.Time, hits []localHit) (int, []localHit, error) {
	_, query := ticks(now)
	type id struct{ rule, key string }
	groups := map[id][]localHit{}
	var order []id
	for _, h := range hits {
		if query-h.tick >= int64(h.window/time.Millisecond) {
			continue
		}
		k := id{h.rule, h.key}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], h)
	}
	added := 0
	for i, k := range order {
		g := groups[k]
		for len(g) > 0 {
			n := min(len(g), replayBatch)
			if _, err := s.runReplay(ctx, g[:n], nil, nil, query, query); err != nil {
				rest := g
				for _, k := range order[i+1:] {
					rest = append(rest, groups[k]...)
				}
				return added, rest, err
			}
			added += n
			g = g[n:]
		}
	}
	return added, nil, nil
}
