// Package redisoutcome keeps the attack protection's outcome counts in
// Redis (or Valkey), shared by every replica: the same records as
// outcome.Memory, one hash per record under
// "<prefix>o:<kind>:<hex keyed hashes>" (a user's hash includes its user
// pool), with the same two-bucket counters,
// evaluated in Lua so each request costs one round trip before it is
// forwarded (Check) and, when the answer counts, one after (Record).
//
// Replicas must share the hashing key (signals.key_hash_secret); a
// standalone server is required (the scripts derive keys from the resolved
// user, so they cannot declare them for Redis Cluster).
package redisoutcome

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/poolguard/poolguard/internal/rules/outcome"
)

//go:embed scripts.lua
var scriptsSrc string

var checkScript, recordScript = scripts()

func scripts() (*redis.Script, *redis.Script) {
	prelude, rest, _ := strings.Cut(scriptsSrc, "-- CHECK --")
	check, record, _ := strings.Cut(rest, "-- RECORD --")
	return redis.NewScript(prelude + check), redis.NewScript(record)
}

// Store is an outcome.Store in Redis. Under fail-open a Redis failure is
// answered by Local (this replica's counts only); under fail-closed it is
// an error. A Store is safe for concurrent use.
type Store struct {
	c          redis.UniversalClient
	prefix     string
	local      *outcome.Memory
	failClosed bool
	timeout    time.Duration
}

var _ outcome.Store = (*Store)(nil)

// New returns a store in c under prefix. local (nil: a new Memory) answers
// while Redis fails, unless failClosed.
func New(c redis.UniversalClient, prefix string, local *outcome.Memory, failClosed bool) *Store {
	if local == nil {
		local = outcome.NewMemory(outcome.DefaultMaxRecords)
	}
	return &Store{c: c, prefix: prefix, local: local, failClosed: failClosed, timeout: 250 * time.Millisecond}
}

// Shared reports that replicas share the store: they must hash with one key.
func (s *Store) Shared() bool { return true }

func hex(v uint64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatUint(v, 16)
}

func secs(d time.Duration) int64 {
	if s := int64(d / time.Second); s > 0 {
		return s
	}
	return 3600
}

func b(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

// ErrUnavailable wraps a Redis failure under fail-closed.
var ErrUnavailable = errors.New("redisoutcome: Redis unavailable")

// Check implements outcome.Store in one script call.
func (s *Store) Check(ctx context.Context, now time.Time, w *outcome.Windows, sub *outcome.Subject, snap *outcome.Snapshot) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	res, err := checkScript.Run(ctx, s.c, nil, s.prefix, now.Unix(), secs(w.BruteForce), secs(w.UnderAttack), int64(w.KnownSource/time.Second),
		hex(sub.Literal), hex(sub.IP), hex(sub.Net), b(sub.SMS), hex(sub.CallingCode),
		w.SMSHour, w.SMSDay, w.CallingCodeHour, w.CallingCodeDay).Slice()
	if err == nil && len(res) != 23 {
		err = fmt.Errorf("check script answered %d values", len(res))
	}
	if err != nil {
		if s.failClosed {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return s.local.Check(ctx, now, w, sub, snap)
	}
	n := func(i int) int64 { v, _ := res[i].(int64); return v }
	u, _ := res[0].(string)
	sub.User, _ = strconv.ParseUint(u, 16, 64)
	*snap = outcome.Snapshot{
		Source:   outcome.SourceCounts{FailMinute: int(n(1)), FailDay: int(n(2)), SuccessDay: int(n(3)), UnknownDay: int(n(4)), UsersDay: int(n(5))},
		Network:  outcome.SourceCounts{FailMinute: int(n(6)), FailDay: int(n(7)), SuccessDay: int(n(8)), UnknownDay: int(n(9)), UsersDay: int(n(10))},
		PairFail: int(n(11)), NetPairFail: int(n(12)), KnownIP: n(13) == 1, KnownNet: n(14) == 1,
		UserFail: int(n(15)), UserSources: int(n(16)),
		SMSReserved: n(17) == 1, SMSExhausted: n(18) == 1,
		SMSHour: n(19), SMSDay: n(20), CallingCodeHour: n(21), CallingCodeDay: n(22),
	}
	return nil
}

// Record implements outcome.Store in one script call.
func (s *Store) Record(ctx context.Context, now time.Time, w *outcome.Windows, sub *outcome.Subject, ev outcome.Event) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	args := []any{s.prefix, now.Unix(), secs(w.BruteForce), secs(w.UnderAttack), int64(w.KnownSource / time.Second),
		hex(sub.User), hex(sub.IP), hex(sub.Net), hex(sub.CallingCode),
		ev.Kind.String(), b(ev.Attempt), b(ev.SignIn), b(ev.PasswordReset), b(ev.Reserved && ev.Kind != outcome.SMSSent),
		hex(ev.User)}
	for _, a := range ev.Aliases {
		args = append(args, hex(a))
	}
	err := recordScript.Run(ctx, s.c, nil, args...).Err()
	if err != nil {
		if s.failClosed {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return s.local.Record(ctx, now, w, sub, ev)
	}
	if ev.User != 0 && (sub.User == 0 || sub.User == sub.Literal) {
		sub.User = ev.User
	}
	return nil
}
