package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit/redisstore"
	"github.com/poolguard/poolguard/internal/testkit/redistest"
	"github.com/redis/go-redis/v9"
)

type quietRedisLog struct{}

func (quietRedisLog) Printf(context.Context, string, ...any) {}

// Three proxies share a 6-node Redis Cluster; an attacker round-robins
// InitiateAuth over them at 5× the sign-in limit (100 a minute). The master
// holding its counters is killed under load: every request is still
// answered (admitted or refused as over the limit, never a 5xx), the
// attacker gets at most 1.5× the limit in its window, and every replica
// decides in Redis again within 5 s of the promotion the Cluster reports.
func TestThreeReplicasThroughClusterFailover(t *testing.T) {
	redis.SetLogger(quietRedisLog{}) // go-redis logs every refused dial to the killed master
	cl := redistest.StartCluster(t, 3)
	path := writeConfig(t, replicaConfig, okUpstream(t).URL)
	var urls []string
	var guards []*redisstore.Guard
	for range 3 {
		client, err := redisstore.NewClient(redisstore.ClientConfig{Addresses: cl.Addrs(), Cluster: true, Timeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { client.Close() })
		rs, err := redisstore.New(client, "pgc:")
		if err != nil {
			t.Fatal(err)
		}
		g := redisstore.NewGuard(rs, redisstore.GuardOptions{Budget: testBudget, Replicas: func() int { return 3 }})
		t.Cleanup(g.Close)
		urls, guards = append(urls, serveFile(t, path, Deps{Store: g}, nil).URL), append(guards, g)
	}
	const ip, limit = "198.51.100.7", 100
	sent, admitted := 0, 0
	send := func() (replica int, local bool) {
		t.Helper()
		replica = sent % 3
		sent++
		before := guards[replica].Fallbacks()
		status, body := initiateAuth(t, urls[replica], ip)
		switch {
		case status == 200:
			admitted++
		case status >= 500 || !strings.Contains(body, "Exception"):
			t.Fatalf("request %d on replica %d: %d %s; want an answer, admitted or refused", sent, replica, status, body)
		}
		return replica, guards[replica].Fallbacks() != before
	}
	for range 5 * limit {
		if _, local := send(); local {
			t.Fatal("a decision was taken locally with the cluster healthy")
		}
	}
	if admitted != limit {
		t.Fatalf("before the fault: %d of %d admitted, want exactly %d", admitted, sent, limit)
	}
	// The attacker's counters are the only data: find their master.
	victim := ""
	for _, n := range cl.Nodes {
		if size, err := n.Do("DBSIZE"); err == nil && size != ":0" && n.IsMaster() {
			victim = n.Addr()
		}
	}
	if victim == "" {
		t.Fatal("no master holds the attacker's counters")
	}
	slot := -1
	var view *redistest.Server
	for _, n := range cl.Nodes {
		if n.Addr() != victim && n.IsMaster() && view == nil {
			view = n
		}
	}
	for s := 0; s < 16384 && slot < 0; s += 16 {
		if owner, ok := cl.Owner(view, s); ok && owner == victim {
			slot = s
		}
	}
	cl.Node(victim).Kill()
	var promoted time.Time
	var shared [3]time.Time
	deadline := time.Now().Add(30 * time.Second)
	for turn := 0; shared[0].IsZero() || shared[1].IsZero() || shared[2].IsZero(); turn++ {
		if time.Now().After(deadline) {
			t.Fatalf("no recovery within 30 s (promotion seen: %v)", !promoted.IsZero())
		}
		if promoted.IsZero() && turn%10 == 0 {
			if owner, ok := cl.Owner(view, slot); ok && owner != victim {
				promoted = time.Now()
			}
		}
		r, local := send()
		if !promoted.IsZero() && !local && shared[r].IsZero() {
			shared[r] = time.Now()
		}
		time.Sleep(time.Millisecond) // the attacker's pace, not a wait for an outcome
	}
	last := shared[0]
	for _, s := range shared {
		if s.After(last) {
			last = s
		}
	}
	t.Logf("%d requests, %d admitted (limit %d); shared counting on all 3 replicas %v after the promotion",
		sent, admitted, limit, last.Sub(promoted).Round(time.Millisecond))
	if 2*admitted > 3*limit {
		t.Errorf("%d admitted in the attacker's window across the failover, want <= 1.5 × %d", admitted, limit)
	}
	if last.Sub(promoted) > 5*time.Second {
		t.Errorf("shared counting resumed %v after the promotion, want within 5 s", last.Sub(promoted))
	}
}
