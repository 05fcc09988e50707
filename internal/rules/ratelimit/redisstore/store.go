package redisstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

//go:embed script.lua
var decideSrc string

var decideScript = redis.NewScript(decideSrc)

// Store is a ratelimit.Store whose counters live in Redis.
//
// A Store is safe for concurrent use. Its zero value is not usable; create
// one with New.
type Store struct {
	c       redis.UniversalClient
	cc      *redis.ClusterClient // c in Cluster mode, else nil
	prefix  string
	cluster bool
	single  string // the node's name when not in Cluster mode
	over    overTracker
}

var _ ratelimit.Store = (*Store)(nil)

// New returns a store keeping its counters in c under keys starting with
// prefix (see the package doc). It does not contact Redis.
func New(c redis.UniversalClient, prefix string) (*Store, error) {
	if err := CheckPrefix(prefix); err != nil {
		return nil, err
	}
	st := &Store{c: c, prefix: prefix, single: "redis"}
	st.cc, st.cluster = c.(*redis.ClusterClient)
	if rc, ok := c.(*redis.Client); ok {
		st.single = rc.Options().Addr
		if st.single == "FailoverClient" {
			st.single = "sentinel"
		}
	}
	return st, nil
}

// Decide implements ratelimit.Store with one script call (one round trip)
// in standalone mode; see the package doc for Cluster mode. It returns an
// error for a malformed hit, a short results slice, or when Redis does not
// answer; the last wraps ErrUnavailable.
func (s *Store) Decide(ctx context.Context, now time.Time, hits []ratelimit.Hit, results []ratelimit.Result) error {
	if len(results) < len(hits) {
		return ratelimit.ErrResultsTooShort
	}
	for i := range hits {
		if err := ratelimit.CheckHit(&hits[i]); err != nil {
			return err
		}
	}
	if len(hits) == 0 {
		return nil
	}
	arrival, query := ticks(now)
	if !s.cluster {
		_, err := s.run(ctx, hits, results, arrival, query)
		return err
	}
	for i := 0; i < len(hits); {
		j := s.runEnd(hits, i)
		stopped, err := s.run(ctx, hits[i:j], results[i:j], arrival, query)
		if err != nil {
			return err
		}
		if stopped {
			clear(results[j:len(hits)])
			break
		}
		i = j
	}
	return nil
}

// ticks returns now as an arrival tick (ms, rounded up) and a query tick
// (ms, rounded down).
func ticks(now time.Time) (arrival, query int64) {
	ns := now.UnixNano()
	query = floorDiv(ns, int64(time.Millisecond))
	arrival = query
	if ns != query*int64(time.Millisecond) {
		arrival++
	}
	return arrival, query
}

// runEnd returns the end of the run of hits starting at i that one script
// call decides: all of them in standalone mode, else the following hits
// with the same key (one Cluster slot).
func (s *Store) runEnd(hits []ratelimit.Hit, i int) int {
	if !s.cluster {
		return len(hits)
	}
	j := i + 1
	for j < len(hits) && bytes.Equal(hits[j].Key, hits[i].Key) {
		j++
	}
	return j
}

// node returns the name of the node that holds key's counters (its slot's
// master in Cluster mode, as the client's slot map has it) and a key in the
// same slot for probing it.
func (s *Store) node(ctx context.Context, key []byte) (name, probe string, err error) {
	if !s.cluster {
		return s.single, "", nil
	}
	probe = "{" + string(keyTag(key)) + "}"
	m, err := s.cc.MasterForKey(ctx, probe)
	if err != nil {
		return "", probe, unavailable(err)
	}
	return m.Options().Addr, probe, nil
}

// healthy reports whether the node named name answers for probe's slot, or
// no longer holds that slot (the Cluster moved it: its circuit no longer
// matters). In Cluster mode it asks the client to reload its slot map first,
// so a failover is noticed without waiting for a redirection that a dead
// node never sends.
func (s *Store) healthy(ctx context.Context, name, probe string) bool {
	if !s.cluster {
		return s.c.Ping(ctx).Err() == nil
	}
	s.cc.ReloadState(ctx)
	m, err := s.cc.MasterForKey(ctx, probe)
	if err != nil {
		return false
	}
	if m.Options().Addr != name {
		return true
	}
	return m.Ping(ctx).Err() == nil
}

// isOver reports the count with which this replica last saw key over rule's
// limit, if that was less than a window before Unix ms now.
func (s *Store) isOver(rule string, key []byte, now int64) (int64, bool) {
	return s.over.lookup(rule, key, now)
}

// run decides hits in one script call and reports whether a terminating hit
// was over.
func (s *Store) run(ctx context.Context, hits []ratelimit.Hit, results []ratelimit.Result, arrival, query int64) (bool, error) {
	return s.runReplay(ctx, nil, hits, results, arrival, query)
}

// runReplay is run with, first in the same script call, the hits counted
// locally during an outage (only counted, never decided).
func (s *Store) runReplay(ctx context.Context, replay []localHit, hits []ratelimit.Hit, results []ratelimit.Result, arrival, query int64) (bool, error) {
	n := len(replay) + len(hits)
	keys := make([]string, 0, n)
	args := make([]any, 2, 2+4*n)
	args[0], args[1] = arrival, query
	for _, h := range replay {
		keys = append(keys, s.counterKey(keyTag([]byte(h.key)), h.rule))
		args = append(args, h.limit, int64(h.window/time.Millisecond), "0", h.tick)
	}
	var tag []byte
	for i := range hits {
		h := &hits[i]
		if i == 0 || !bytes.Equal(h.Key, hits[i-1].Key) {
			tag = keyTag(h.Key)
		}
		keys = append(keys, s.counterKey(tag, h.Rule))
		term := "0"
		if h.Terminating {
			term = "1"
		}
		args = append(args, h.Limit, int64(h.Window/time.Millisecond), term, 0)
	}
	counts, err := decideScript.Run(ctx, s.c, keys, args...).Int64Slice()
	if err != nil {
		return false, unavailable(err)
	}
	if len(counts) != n {
		return false, fmt.Errorf("%w: script returned %d counts for %d hits", ErrUnavailable, len(counts), n)
	}
	counts = counts[len(replay):]
	stopped := false
	for i, c := range counts {
		h := &hits[i]
		if c == 0 {
			results[i] = ratelimit.Result{}
			continue
		}
		over := c > h.Limit
		results[i] = ratelimit.Result{Counted: true, Count: c, Over: over}
		if over {
			s.over.note(h.Rule, h.Key, c, query, int64(h.Window/time.Millisecond))
			stopped = stopped || h.Terminating
		}
	}
	return stopped, nil
}

// counterKey returns "<prefix>rl:{<tag>}:<rule>".
func (s *Store) counterKey(tag []byte, rule string) string {
	b := make([]byte, 0, len(s.prefix)+len(tag)+len(rule)+6)
	b = append(b, s.prefix...)
	b = append(b, "rl:{"...)
	b = append(b, tag...)
	b = append(b, "}:"...)
	b = append(b, rule...)
	return string(b)
}

// keyTag is the hex of the first 12 bytes of SHA-256 of key.
func keyTag(key []byte) []byte {
	sum := sha256.Sum256(key)
	return hex.AppendEncode(nil, sum[:12])
}

// OverKeys returns the keys this replica found over rule's limit within
// their window before now, highest count first. Counting is shared but this
// list is the replica's own view.
func (s *Store) OverKeys(rule string, now time.Time) []ratelimit.OverKey {
	return s.over.collect(rule, now.UnixMilli())
}

// Sweep forgets over-limit keys whose window has passed. Redis expires the
// counters themselves.
func (s *Store) Sweep(now time.Time) { s.over.purge(now.UnixMilli()) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.c.Ping(ctx).Err(); err != nil {
		return unavailable(err)
	}
	return nil
}
