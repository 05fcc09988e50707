package ipsets

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Backend shared by replicas. Its keys share the hash tag
// {ipsets}, so they live in one Cluster slot:
//
//	<prefix>ipsets:{ipsets}:names      a set of set names
//	<prefix>ipsets:{ipsets}:set:<name> a hash: "+<cidr>" or "-<cidr>" (added
//	                                   or removed) to expiry in Unix ms, 0 = never
//	<prefix>ipsets:{ipsets}:version    incremented on every change
//
// A change is one script call (atomic), which also deletes the set's
// entries that have lapsed. Replicas poll the version (Registry.Run), so a
// change reaches every replica within the poll interval. Use a Redis with
// persistence (AOF or RDB) for the state to survive a Redis restart.
type Redis struct {
	c      redis.UniversalClient
	prefix string
}

// NewRedis returns a Redis backend using c, with keys under prefix.
func NewRedis(c redis.UniversalClient, prefix string) *Redis {
	return &Redis{c: c, prefix: prefix + "ipsets:{ipsets}:"}
}

var applyScript = redis.NewScript(`
local now, op, exp, name = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
for i = 5, #ARGV do
  local p = ARGV[i]
  if op == 'add' then
    redis.call('HSET', KEYS[1], '+' .. p, exp)
    redis.call('HDEL', KEYS[1], '-' .. p)
  elseif op == 'remove' then
    redis.call('HDEL', KEYS[1], '+' .. p)
    redis.call('HSET', KEYS[1], '-' .. p, exp)
  else
    redis.call('HDEL', KEYS[1], '+' .. p, '-' .. p)
  end
end
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local e = tonumber(all[i + 1])
  if e ~= 0 and e <= now then redis.call('HDEL', KEYS[1], all[i]) end
end
if redis.call('HLEN', KEYS[1]) > 0 then
  redis.call('SADD', KEYS[2], name)
else
  redis.call('SREM', KEYS[2], name)
end
return redis.call('INCR', KEYS[3])
`)

// Apply implements Backend.
func (r *Redis) Apply(ctx context.Context, c Change, now time.Time, _ State) (int64, error) {
	op := map[Op]string{OpAdd: "add", OpRemove: "remove", OpForget: "forget"}[c.Op]
	var exp int64
	if !c.Expires.IsZero() {
		exp = c.Expires.UnixMilli()
	}
	args := []any{now.UnixMilli(), op, exp, c.Set}
	for _, p := range c.Prefixes {
		args = append(args, p.String())
	}
	keys := []string{r.prefix + "set:" + c.Set, r.prefix + "names", r.prefix + "version"}
	return applyScript.Run(ctx, r.c, keys, args...).Int64()
}

// Version implements Backend.
func (r *Redis) Version(ctx context.Context) (int64, error) {
	v, err := r.c.Get(ctx, r.prefix+"version").Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return v, err
}

// Load implements Backend.
func (r *Redis) Load(ctx context.Context) (State, int64, error) {
	v, err := r.Version(ctx)
	if err != nil {
		return nil, 0, err
	}
	names, err := r.c.SMembers(ctx, r.prefix+"names").Result()
	if err != nil {
		return nil, 0, err
	}
	cmds := make([]*redis.MapStringStringCmd, len(names))
	_, err = r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, n := range names {
			cmds[i] = p.HGetAll(ctx, r.prefix+"set:"+n)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	st := State{}
	for i, n := range names {
		for field, val := range cmds[i].Val() {
			if len(field) < 2 {
				continue
			}
			p, err1 := netip.ParsePrefix(field[1:])
			ms, err2 := strconv.ParseInt(val, 10, 64)
			if err1 != nil || err2 != nil {
				continue
			}
			var exp time.Time
			if ms != 0 {
				exp = time.UnixMilli(ms)
			}
			op := OpAdd
			if strings.HasPrefix(field, "-") {
				op = OpRemove
			}
			st.Apply(Change{Set: n, Op: op, Prefixes: []netip.Prefix{p}, Expires: exp})
		}
	}
	return st, v, nil
}
