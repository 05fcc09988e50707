package ipsets

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/poolguard/poolguard/internal/testkit/redistest"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func pfx(s ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(s))
	for i, a := range s {
		out[i] = netip.MustParsePrefix(a)
	}
	return out
}

// configured returns a registry with DenyList defined in config.
func configured(t *testing.T, backend Backend) *Registry {
	t.Helper()
	r, err := Open(context.Background(), backend, t0)
	if err != nil {
		t.Fatal(err)
	}
	b := r.Begin()
	b.Define("DenyList", []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("203.0.113.5/32")})
	b.Commit(t0)
	return r
}

func TestRegistryChanges(t *testing.T) {
	ctx := context.Background()
	r := configured(t, nil)
	deny := r.Begin().Sets()["DenyList"]
	steps := []struct {
		name string
		do   func() error
		at   time.Time // when the expectation is checked
		addr string
		want bool
	}{
		{"config address", nil, t0, "192.0.2.9", true},
		{"add with ttl", func() error { return r.Add(ctx, t0, "DenyList", pfx("198.51.100.7/32"), time.Hour) }, t0, "198.51.100.7", true},
		{"still there before expiry", nil, t0.Add(time.Hour - time.Millisecond), "198.51.100.7", true},
		{"expired", nil, t0.Add(time.Hour), "198.51.100.7", false},
		{"hide a config address", func() error { return r.Remove(ctx, t0, "DenyList", pfx("203.0.113.5/32"), 0) }, t0.Add(time.Hour), "203.0.113.5", false},
		{"re-add it", func() error { return r.Add(ctx, t0, "DenyList", pfx("203.0.113.5/32"), 0) }, t0.Add(time.Hour), "203.0.113.5", true},
	}
	for _, st := range steps {
		if st.do != nil {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
		r.Expire(st.at)
		if got := deny.Contains(netip.MustParseAddr(st.addr)); got != st.want {
			t.Fatalf("%s: Contains(%s) = %v, want %v", st.name, st.addr, got, st.want)
		}
	}
	if err := r.Add(ctx, t0, "bad name!", pfx("10.0.0.0/8"), 0); err == nil {
		t.Error("Add to a badly named set: no error")
	}
	if err := r.Remove(ctx, t0, "Nope", pfx("10.0.0.0/8"), 0); err == nil {
		t.Error("Remove from an unknown set: no error")
	}
}

func TestBuildKeepsPointersAndFailedBuildChangesNothing(t *testing.T) {
	r := configured(t, nil)
	before := r.Begin().Sets()["DenyList"]
	b := r.Begin()
	if s := b.Define("DenyList", []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32")}); s != before {
		t.Fatalf("Define: %p; want the same set %p", s, before)
	}
	if !before.Contains(netip.MustParseAddr("192.0.2.1")) || before.Contains(netip.MustParseAddr("10.0.0.1")) {
		t.Fatal("an uncommitted build changed the set")
	}
	b.Commit(t0)
	if before.Contains(netip.MustParseAddr("192.0.2.1")) || !before.Contains(netip.MustParseAddr("10.0.0.1")) {
		t.Fatal("Commit did not apply the new config addresses")
	}
}

func TestListShowsSourcesAndExpiry(t *testing.T) {
	ctx := context.Background()
	r := configured(t, nil)
	if err := r.Add(ctx, t0, "DenyList", pfx("198.51.100.7/32"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := r.Add(ctx, t0, "Runtime1", pfx("2001:db8::/32"), 0); err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(ctx, t0, "DenyList", pfx("203.0.113.5/32"), 0); err != nil {
		t.Fatal(err)
	}
	list := r.List(t0)
	if len(list) != 2 || list[0].Name != "DenyList" || list[1].Origin != Runtime {
		t.Fatalf("List = %+v", list)
	}
	d := list[0]
	if d.Size != 2 || d.Entries[1].Address != "198.51.100.7/32" || d.Entries[1].Source != "runtime" ||
		d.Entries[1].Expires == nil || !d.Entries[1].Expires.Equal(t0.Add(time.Hour)) ||
		len(d.Removed) != 1 || d.Removed[0].Address != "203.0.113.5/32" {
		t.Fatalf("DenyList = %+v", d)
	}
}

func TestPersistence(t *testing.T) {
	backends := map[string]func(t *testing.T) Backend{
		"file": func(t *testing.T) Backend {
			dir := t.TempDir()
			return NewFile(dir)
		},
		"redis": func(t *testing.T) Backend {
			c := redis.NewClient(&redis.Options{Addr: redistest.Start(t).Addr()})
			t.Cleanup(func() { c.Close() })
			return NewRedis(c, "pg:")
		},
	}
	for name, mk := range backends {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			backend := mk(t)
			r := configured(t, backend)
			if err := r.Add(ctx, t0, "DenyList", pfx("198.51.100.7/32"), 0); err != nil {
				t.Fatal(err)
			}
			if err := r.Add(ctx, t0, "DenyList", pfx("198.51.100.8/32"), time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := r.Remove(ctx, t0, "DenyList", pfx("203.0.113.5/32"), 0); err != nil {
				t.Fatal(err)
			}
			// A restart: a new registry on the same backend, same config.
			r2 := configured(t, backend)
			deny := r2.Begin().Sets()["DenyList"]
			for addr, want := range map[string]bool{"198.51.100.7": true, "198.51.100.8": true, "203.0.113.5": false, "192.0.2.1": true} {
				if got := deny.Contains(netip.MustParseAddr(addr)); got != want {
					t.Errorf("after restart: Contains(%s) = %v, want %v", addr, got, want)
				}
			}
			// Restarted after the TTL: the expired entry is gone.
			r3, err := Open(ctx, backend, t0.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if s := r3.Begin().Sets()["DenyList"]; s.Contains(netip.MustParseAddr("198.51.100.8")) {
				t.Error("an expired entry survived a restart")
			}
		})
	}
}

// TestReplicasShareChanges: a change on registry A reaches registry B
// (sharing one Redis) at B's next round of Run, with no restart.
func TestReplicasShareChanges(t *testing.T) {
	srv := redistest.Start(t)
	open := func() *Registry {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		t.Cleanup(func() { c.Close() })
		return configured(t, NewRedis(c, "pg:"))
	}
	a, b := open(), open()
	synced := runInRounds(t, b, t0)
	deny := b.Begin().Sets()["DenyList"]
	ip := netip.MustParseAddr("198.51.100.7")
	if err := a.Add(context.Background(), t0, "DenyList", pfx("198.51.100.7/32"), time.Hour); err != nil {
		t.Fatal(err)
	}
	synced()
	if !deny.Contains(ip) {
		t.Fatal("replica B did not apply the change at its next round")
	}
}

// runInRounds runs r.Run with a clock (always now) that hands each round
// to the test: the returned function returns once a whole round (Sync and
// Expire) has run after it was called. The bound only catches a Run that
// stopped; nothing waits on time.
func runInRounds(t *testing.T, r *Registry, now time.Time) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	rounds := make(chan struct{})
	go r.Run(ctx, time.Millisecond, func() time.Time {
		select {
		case rounds <- struct{}{}:
		case <-ctx.Done():
		}
		return now
	}, func(err error) { t.Log(err) })
	return func() {
		t.Helper()
		// The round that starts after the first hand-over has finished
		// when Run asks for the time again.
		for range 2 {
			select {
			case <-rounds:
			case <-time.After(10 * time.Second):
				t.Fatal("Run stopped asking for the time")
			}
		}
	}
}
