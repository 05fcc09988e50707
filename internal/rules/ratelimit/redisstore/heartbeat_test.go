package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/testkit/redistest"
)

// Replicas that stop beating drop out of the count after three intervals;
// a replica that leaves drops out at once; without Redis the count stays.
func TestHeartbeat(t *testing.T) {
	srv := redistest.Start(t)
	c := newClient(t, srv, false)
	prefix := uniquePrefix()
	ctx := context.Background()
	t0 := time.Now()
	beats := []*Heartbeat{
		NewHeartbeat(c, prefix, "a", time.Second),
		NewHeartbeat(c, prefix, "b", time.Second),
		NewHeartbeat(c, prefix, "c", time.Second),
	}
	if beats[0].Live() != 1 {
		t.Fatalf("before any beat: Live %d, want 1", beats[0].Live())
	}
	for _, hb := range beats {
		if err := hb.Beat(ctx, t0); err != nil {
			t.Fatal(err)
		}
	}
	if got := beats[2].Live(); got != 3 {
		t.Fatalf("three replicas beat: Live %d, want 3", got)
	}
	// b and c stop; a beats 2.5 s later (still counts them), then 3.5 s.
	for _, tc := range []struct {
		after time.Duration
		want  int
	}{{2500 * time.Millisecond, 3}, {3500 * time.Millisecond, 1}} {
		if err := beats[0].Beat(ctx, t0.Add(tc.after)); err != nil {
			t.Fatal(err)
		}
		if got := beats[0].Live(); got != tc.want {
			t.Fatalf("%v after the others' last beat: Live %d, want %d", tc.after, got, tc.want)
		}
	}
	if err := beats[1].Beat(ctx, t0.Add(4*time.Second)); err != nil || beats[1].Live() != 2 {
		t.Fatalf("b beats again: Live %d, %v; want 2", beats[1].Live(), err)
	}
	if err := beats[1].Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if err := beats[0].Beat(ctx, t0.Add(4*time.Second)); err != nil || beats[0].Live() != 1 {
		t.Fatalf("after b left: Live %d, %v; want 1", beats[0].Live(), err)
	}
	srv.Kill()
	if err := beats[0].Beat(ctx, t0.Add(5*time.Second)); err == nil || beats[0].Live() != 1 {
		t.Fatalf("Redis down: Beat error %v, Live %d; want an error and the last count", err, beats[0].Live())
	}
}
