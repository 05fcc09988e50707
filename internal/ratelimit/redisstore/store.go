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

	"github.com/poolguard/poolguard/internal/ratelimit"
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
	prefix  string
	cluster bool
	over    overTracker
}

var _ ratelimit.Store = (*Store)(nil)

// New returns a store keeping its counters in c under keys starting with
// prefix (see the package doc). It does not contact Redis.
func New(c redis.UniversalClient, prefix string) (*Store, error) {
	if err := CheckPrefix(prefix); err != nil {
		return nil, err
	}
	return &Store{c: c, prefix: prefix, cluster: IsCluster(c)}, nil
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
	ns := now.UnixNano()
	query := floorDiv(ns, int64(time.Millisecond))
	arrival := query
	if ns != query*int64(time.Millisecond) {
		arrival++
	}
	if !s.cluster {
		_, err := s.run(ctx, hits, results, arrival, query)
		return err
	}
	for i := 0; i < len(hits); {
		j := i + 1
		for j < len(hits) && bytes.Equal(hits[j].Key, hits[i].Key) {
			j++
		}
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

// run decides hits in one script call and reports whether a terminating hit
// was over.
func (s *Store) run(ctx context.Context, hits []ratelimit.Hit, results []ratelimit.Result, arrival, query int64) (bool, error) {
	keys := make([]string, len(hits))
	args := make([]any, 2, 2+3*len(hits))
	args[0], args[1] = arrival, query
	var tag []byte
	for i := range hits {
		h := &hits[i]
		if i == 0 || !bytes.Equal(h.Key, hits[i-1].Key) {
			tag = keyTag(h.Key)
		}
		keys[i] = s.counterKey(tag, h.Rule)
		term := "0"
		if h.Terminating {
			term = "1"
		}
		args = append(args, h.Limit, int64(h.Window/time.Millisecond), term)
	}
	counts, err := decideScript.Run(ctx, s.c, keys, args...).Int64Slice()
	if err != nil {
		return false, unavailable(err)
	}
	if len(counts) != len(hits) {
		return false, fmt.Errorf("%w: script returned %d counts for %d hits", ErrUnavailable, len(counts), len(hits))
	}
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
