package ratelimit_test

import (
	"context"
	"encoding/binary"
	"runtime"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/ratelimittest"
)

// benchKeys returns n distinct 16-byte keys (IPv6-address sized).
func benchKeys(n int) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		k := make([]byte, 16)
		binary.BigEndian.PutUint64(k[8:], uint64(i)*0x9e3779b97f4a7c15)
		keys[i] = k
	}
	return keys
}

// BenchmarkDecide measures one request reaching two rate-based rules (a
// per-IP rule and a category rule) over 100,000 keys, time advancing 10 µs a
// request.
func BenchmarkDecide(b *testing.B) {
	m := ratelimit.NewMemory()
	keys := benchKeys(100_000)
	hits := []ratelimit.Hit{
		{Rule: "RateLimit", Limit: 4000, Window: 5 * time.Minute, Terminating: true},
		{Rule: "RateLimit-SignIn", Limit: 100, Window: time.Minute, Terminating: true},
	}
	res := make([]ratelimit.Result, len(hits))
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := keys[i%len(keys)]
		hits[0].Key, hits[1].Key = k, k
		now := ratelimittest.T0.Add(time.Duration(i) * 10 * time.Microsecond)
		if err := m.Decide(ctx, now, hits, res); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkDecideParallel is BenchmarkDecide from all Ps at once.
func BenchmarkDecideParallel(b *testing.B) {
	m := ratelimit.NewMemory()
	keys := benchKeys(100_000)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		hits := []ratelimit.Hit{{Rule: "RateLimit", Limit: 100, Window: 5 * time.Minute, Terminating: true}}
		res := make([]ratelimit.Result, 1)
		ctx := context.Background()
		i := 0
		for pb.Next() {
			hits[0].Key = keys[i%len(keys)]
			if err := m.Decide(ctx, ratelimittest.T0.Add(time.Duration(i)*time.Microsecond), hits, res); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkMemory1M reports the heap bytes per key of 1,000,000 keys of one
// rule: light keys (one request each) and heavy keys (enough requests to
// need the grouped record).
func BenchmarkMemory1M(b *testing.B) {
	const n = 1_000_000
	keys := benchKeys(n)
	for _, bc := range []struct {
		name string
		reqs int
	}{{"light", 1}, {"heavy", 12}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				before := heap()
				m := ratelimit.NewMemory()
				hits := []ratelimit.Hit{{Rule: "RateLimit", Limit: 100, Window: 5 * time.Minute}}
				res := make([]ratelimit.Result, 1)
				for r := range bc.reqs {
					now := ratelimittest.T0.Add(time.Duration(r) * time.Second)
					for _, k := range keys {
						hits[0].Key = k
						if err := m.Decide(context.Background(), now, hits, res); err != nil {
							b.Fatal(err)
						}
					}
				}
				after := heap()
				if m.Len() != n {
					b.Fatalf("Len = %d", m.Len())
				}
				b.ReportMetric(float64(after-before)/n, "bytes/key")
				runtime.KeepAlive(m)
			}
		})
	}
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
