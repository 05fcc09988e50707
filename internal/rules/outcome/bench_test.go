package outcome

import (
	"context"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
)

// BenchmarkAllowPath is the cost the tracker adds to an allowed sign-in
// with the memory store: hashing the subject, reading its counts and
// labelling (Before), classifying a wrong-password answer from its header
// and counting it (After).
//
//	go test ./internal/rules/outcome -run '^$' -bench AllowPath -benchmem
func BenchmarkAllowPath(b *testing.B) {
	tr := New(DefaultConfig(), NewMemory(DefaultMaxRecords), NewHasher(nil), nil)
	v := &request.View{Operation: "InitiateAuth", AuthFlow: "USER_PASSWORD_AUTH", Username: "Alice@Example.com",
		ClientIP: netip.MustParseAddr("198.51.100.7")}
	var x Exchange
	ctx := context.Background()
	now := t0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		v.Labels = nil
		if i%8 == 0 { // stay under the brute-force threshold: a new hour now and then
			now = now.Add(2 * time.Hour)
		}
		_ = tr.Before(ctx, now, v, &x)
		_, _ = tr.After(ctx, now, v, &x, 400, "NotAuthorizedException", nil)
	}
}

// BenchmarkClassify is the classifier alone on a header.
func BenchmarkClassify(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Classify("InitiateAuth", 400, "NotAuthorizedException:", nil)
	}
}

// BenchmarkMemoryPerTracked reports the heap bytes the memory store holds
// per tracked source (its address record; the /24 is shared) and per
// tracked user (her record), measured at 1,000,000 of each.
//
//	go test ./internal/rules/outcome -run '^$' -bench MemoryPerTracked -benchtime 1x
func BenchmarkMemoryPerTracked(b *testing.B) {
	const n = 1_000_000
	w := DefaultConfig().Windows
	for b.Loop() {
		for _, kind := range []string{"source", "user"} {
			m := NewMemory(2 * n)
			before := heap()
			for i := range n {
				s := Subject{}
				id := uint64(i)*0x9e3779b97f4a7c15 + 1
				if kind == "source" {
					s.IP = id
				} else {
					s.User = id
				}
				_ = m.Record(context.Background(), t0, &w, &s, Event{Kind: WrongCredentials, Attempt: true})
			}
			after := heap()
			if r, _ := m.Len(); r != n {
				b.Fatalf("%d records", r)
			}
			b.ReportMetric(float64(after-before)/n, "B/"+kind)
			runtime.KeepAlive(m)
		}
	}
}

func heap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
