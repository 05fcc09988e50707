package usermemo

import (
	"testing"
	"time"
)

func key(b byte) [32]byte { return [32]byte{b} }

func TestRememberRecallExpire(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	m := New(10)
	m.Remember(key(1), "alice", t0, t0.Add(time.Hour))
	if u, ok := m.Recall(key(1), t0.Add(59*time.Minute)); !ok || u != "alice" {
		t.Fatalf("Recall = %q %v", u, ok)
	}
	if _, ok := m.Recall(key(1), t0.Add(time.Hour)); ok {
		t.Fatal("expired entry recalled")
	}
	if m.Len() != 0 {
		t.Fatalf("expired entry kept: Len %d", m.Len())
	}
	m.Remember(key(2), "bob", t0, t0) // already expired: ignored
	if m.Len() != 0 {
		t.Fatal("stored an expired entry")
	}
}

func TestBoundedLRU(t *testing.T) {
	t0 := time.Unix(0, 0)
	m := New(2)
	m.Remember(key(1), "a", t0, t0.Add(time.Hour))
	m.Remember(key(2), "b", t0, t0.Add(time.Hour))
	m.Recall(key(1), t0) // 1 is now most recent
	m.Remember(key(3), "c", t0, t0.Add(time.Hour))
	if _, ok := m.Recall(key(2), t0); ok {
		t.Fatal("least recently used entry not evicted")
	}
	if _, ok := m.Recall(key(1), t0); !ok {
		t.Fatal("recently used entry evicted")
	}
	if m.Len() != 2 {
		t.Fatalf("Len %d", m.Len())
	}
}

// BenchmarkMemory is the refresh path's use: remember a token's user,
// recall it, in a memory at its bound (evicting on every Remember).
func BenchmarkMemory(b *testing.B) {
	t0 := time.Unix(1_700_000_000, 0)
	m := New(10_000)
	var k [32]byte
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k[0], k[1], k[2] = byte(i), byte(i>>8), byte(i>>16)
		m.Remember(k, "alice", t0, t0.Add(time.Hour))
		m.Recall(k, t0)
		i++
	}
}
