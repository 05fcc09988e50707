package usermemo

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/poolguard/poolguard/internal/testkit/redistest"
)

func TestRedisShared(t *testing.T) {
	srv := redistest.Start(t)
	client := func() redis.UniversalClient {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		t.Cleanup(func() { c.Close() })
		return c
	}
	a := NewRedis(client(), "pg:", New(10))
	b := NewRedis(client(), "pg:", New(10))
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tok := sha256.Sum256([]byte("refresh-token"))
	a.Remember(tok, "alice", t0, t0.Add(time.Hour))
	tests := []struct {
		name string
		m    *Redis
		at   time.Time
		want string
	}{
		{"same replica", a, t0.Add(time.Minute), "alice"},
		{"other replica", b, t0.Add(time.Minute), "alice"},
		{"expired", b, t0.Add(time.Hour), ""},
		{"unknown token", b, t0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := tok
			if tt.name == "unknown token" {
				key = sha256.Sum256([]byte("other"))
			}
			got, ok := tt.m.Recall(key, tt.at)
			if got != tt.want || ok != (tt.want != "") {
				t.Fatalf("Recall = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
	c := client()
	if ttl := c.PTTL(t.Context(), "pg:um:"+hexKey(tok)).Val(); ttl <= 59*time.Minute || ttl > time.Hour {
		t.Fatalf("PTTL %v, want about 1h (the token's expiry)", ttl)
	}
	// With Redis gone, a replica still recalls what it learned itself.
	srv.Kill()
	if got, ok := a.Recall(tok, t0.Add(time.Minute)); !ok || got != "alice" {
		t.Fatalf("during an outage: %q, %v", got, ok)
	}
	if _, ok := NewRedis(client(), "pg:", nil).Recall(tok, t0); ok {
		t.Fatal("recalled from a dead Redis")
	}
}

func hexKey(k [32]byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 64)
	for i, b := range k {
		out[2*i], out[2*i+1] = digits[b>>4], digits[b&15]
	}
	return string(out)
}
