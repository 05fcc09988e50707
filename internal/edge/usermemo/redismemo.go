package usermemo

import (
	"context"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/poolguard/poolguard/internal/cognito"
)

// redisTimeout bounds each Redis call; UsernameMemory has no context.
const redisTimeout = 250 * time.Millisecond

// Redis is a cognito.UsernameMemory shared by replicas through Redis, with a
// local Memory in front: Remember writes both, Recall asks the local one
// first, so a Redis outage loses only what other replicas learned.
//
// An entry is the key "<prefix>um:<hex of the token hash>" holding
// "<expiry in Unix ms>:<user name>", set to expire (PX) after the token's
// remaining lifetime.
// Expiry is checked against the now passed in, not Redis's clock.
//
// A Redis is safe for concurrent use. Create one with NewRedis.
type Redis struct {
	c      redis.UniversalClient
	prefix string
	local  *Memory
}

var _ cognito.UsernameMemory = (*Redis)(nil)

// NewRedis returns a memory keeping entries in c under prefix, with local
// (which may be nil) as its in-process cache.
func NewRedis(c redis.UniversalClient, prefix string, local *Memory) *Redis {
	return &Redis{c: c, prefix: prefix, local: local}
}

func (r *Redis) key(k [32]byte) string {
	return r.prefix + "um:" + hex.EncodeToString(k[:])
}

// Remember implements cognito.UsernameMemory. A Redis failure is not
// reported: the entry is then known to this replica only.
func (r *Redis) Remember(key [32]byte, user string, now, expires time.Time) {
	if !expires.After(now) {
		return
	}
	if r.local != nil {
		r.local.Remember(key, user, now, expires)
	}
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	val := strconv.FormatInt(expires.UnixMilli(), 10) + ":" + user
	_ = r.c.Set(ctx, r.key(key), val, expires.Sub(now)).Err()
}

// Recall implements cognito.UsernameMemory.
func (r *Redis) Recall(key [32]byte, now time.Time) (string, bool) {
	if r.local != nil {
		if u, ok := r.local.Recall(key, now); ok {
			return u, true
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	val, err := r.c.Get(ctx, r.key(key)).Result()
	if err != nil {
		return "", false
	}
	ms, user, ok := strings.Cut(val, ":")
	exp, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || !now.Before(time.UnixMilli(exp)) {
		return "", false
	}
	if r.local != nil {
		r.local.Remember(key, user, now, time.UnixMilli(exp))
	}
	return user, true
}
