package redisstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Heartbeat counts the live replicas sharing a Redis: each replica adds
// itself, with the time, to one sorted set every interval and counts the
// members seen within the last three intervals. A Guard under FailOpen
// divides each limit by that count while it decides locally, so the whole
// fleet stays near the limit rather than at replicas × the limit.
//
// A Heartbeat is safe for concurrent use.
type Heartbeat struct {
	c     redis.UniversalClient
	key   string
	id    string
	every time.Duration
	live  atomic.Int64
}

// NewHeartbeat returns the heartbeat of the replica named id (unique in the
// fleet, such as host name and PID) under keys starting with prefix,
// beating every interval (default 1 s). Until its first beat Live is 1.
func NewHeartbeat(c redis.UniversalClient, prefix, id string, every time.Duration) *Heartbeat {
	if every <= 0 {
		every = time.Second
	}
	h := &Heartbeat{c: c, key: prefix + "replicas", id: id, every: every}
	h.live.Store(1)
	return h
}

// Beat records this replica as alive at now and updates Live. On error
// Live keeps its last value.
func (h *Heartbeat) Beat(ctx context.Context, now time.Time) error {
	ms := now.UnixMilli()
	var card *redis.IntCmd
	_, err := h.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, h.key, redis.Z{Score: float64(ms), Member: h.id})
		p.ZRemRangeByScore(ctx, h.key, "-inf", fmt.Sprint(ms-3*h.every.Milliseconds()))
		p.PExpire(ctx, h.key, 10*h.every)
		card = p.ZCard(ctx, h.key)
		return nil
	})
	if err != nil {
		return unavailable(err)
	}
	h.live.Store(max(1, card.Val()))
	return nil
}

// Live returns the number of replicas seen alive at the last beat, at
// least 1.
func (h *Heartbeat) Live() int { return int(h.live.Load()) }

// Run beats every interval until ctx is done.
func (h *Heartbeat) Run(ctx context.Context) {
	t := time.NewTicker(h.every)
	defer t.Stop()
	for {
		bctx, cancel := context.WithTimeout(ctx, h.every)
		_ = h.Beat(bctx, time.Now())
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Leave removes this replica from the set, for a clean shutdown.
func (h *Heartbeat) Leave(ctx context.Context) error {
	return h.c.ZRem(ctx, h.key, h.id).Err()
}
