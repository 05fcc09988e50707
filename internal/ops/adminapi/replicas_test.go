package adminapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/poolguard/poolguard/internal/rules/ipsets"
	"github.com/poolguard/poolguard/internal/testkit/redistest"
)

// TestAddOnAReachesB: an address added through replica A's API is in
// replica B's set after B's next round of Run (both registries on one
// Redis).
func TestAddOnAReachesB(t *testing.T) {
	srv := redistest.Start(t)
	replica := func() *ipsets.Registry {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		t.Cleanup(func() { c.Close() })
		reg, err := ipsets.Open(context.Background(), ipsets.NewRedis(c, "pg:"), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		b := reg.Begin()
		b.Define("DenyList", nil)
		b.Commit(time.Now())
		return reg
	}
	a, b := replica(), replica()
	// B's Run hands each round to the test through its clock.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	rounds := make(chan struct{})
	go b.Run(ctx, time.Millisecond, func() time.Time {
		select {
		case rounds <- struct{}{}:
		case <-ctx.Done():
		}
		return time.Now()
	}, nil)
	api := httptest.NewServer(New(Options{Token: token, IPSets: a}))
	t.Cleanup(api.Close)
	deny := b.Begin().Sets()["DenyList"]

	req, _ := http.NewRequest("POST", api.URL+"/v1/ipsets/DenyList", strings.NewReader(`{"addresses": ["198.51.100.7/32"]}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST: %v %v", resp, err)
	}
	resp.Body.Close()
	// The round that starts after the first hand-over has finished when
	// Run asks for the time again; the bound only catches a stopped Run.
	for range 2 {
		select {
		case <-rounds:
		case <-time.After(10 * time.Second):
			t.Fatal("replica B's Run stopped")
		}
	}
	if !deny.Contains(netip.MustParseAddr("198.51.100.7")) {
		t.Fatal("replica B did not block the address at its next round")
	}
}
