package redisstore

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/ratelimittest"
	"github.com/poolguard/poolguard/internal/testkit/redistest"
)

// BenchmarkDecideLatency measures the latency of one Decide (a request
// reaching three rate-based rules, one round trip) on loopback, sequentially,
// and reports p50 and p99 next to the in-memory store's.
func BenchmarkDecideLatency(b *testing.B) {
	srv := redistest.Start(b)
	c := newClient(b, srv, false)
	for _, tc := range []struct {
		name  string
		store ratelimit.Store
	}{
		{"redis", newStore(b, c)},
		{"memory", ratelimit.NewMemory()},
		{"ping-baseline", pingStore{c}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			res := make([]ratelimit.Result, 3)
			lat := make([]time.Duration, 0, b.N)
			at := ratelimittest.T0
			for i := 0; b.Loop(); i++ {
				key := fmt.Appendf(nil, "198.51.100.%d", i%200)
				hits := []ratelimit.Hit{
					{Rule: "ip-5m", Key: key, Limit: 1000, Window: 5 * time.Minute, Terminating: true},
					{Rule: "ip-signin", Key: key, Limit: 100, Window: time.Minute, Terminating: true},
					{Rule: "ip-count", Key: key, Limit: 50, Window: time.Minute},
				}
				at = at.Add(time.Millisecond)
				start := time.Now()
				if err := tc.store.Decide(context.Background(), at, hits, res); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			slices.Sort(lat)
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
				b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
			}
		})
	}
}

// pingStore measures one bare round trip (PING), the floor under Decide.
type pingStore struct {
	c interface {
		Ping(context.Context) *redis.StatusCmd
	}
}

func (p pingStore) Decide(ctx context.Context, _ time.Time, _ []ratelimit.Hit, _ []ratelimit.Result) error {
	return p.c.Ping(ctx).Err()
}
