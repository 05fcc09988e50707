package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clusterNodeTimeout is the cluster-node-timeout (ms) of a test Cluster:
// small, so that a killed master is failed over within a few seconds.
const clusterNodeTimeout = "1000"

// Cluster is a Redis Cluster of masters with one replica each, every node
// a Server owned by one test. Create one with StartCluster.
type Cluster struct {
	t     testing.TB
	Nodes []*Server
}

// CLI returns the redis-cli (or valkey-cli) to run, like Binary.
func CLI() (string, bool) {
	if b := os.Getenv("POOLGUARD_REDIS_CLI"); b != "" {
		return b, true
	}
	for _, name := range []string{"redis-cli", "valkey-cli"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
		if p := filepath.Join("/usr/bin", name); isFile(p) {
			return p, true
		}
	}
	return "", false
}

// StartCluster starts 2×masters nodes and joins them with
// `redis-cli --cluster create … --cluster-replicas 1`: masters masters
// sharing the 16384 slots, each with one replica. Nodes time out after
// 1 s, replicas always take over (cluster-replica-validity-factor 0) and a
// shard whose master is down does not stop the others
// (cluster-require-full-coverage no). It returns once every node sees the
// whole cluster healthy and every replica is in sync, and stops every node by PID when t ends. It skips
// t if redis-server or redis-cli is missing (fails if
// POOLGUARD_REQUIRE_REDIS=1).
func StartCluster(t testing.TB, masters int) *Cluster {
	t.Helper()
	cli, ok := CLI()
	if !ok {
		if os.Getenv("POOLGUARD_REQUIRE_REDIS") == "1" {
			t.Fatal("redistest: redis-cli not found and POOLGUARD_REQUIRE_REDIS=1 (apt-get install redis-tools)")
		}
		t.Skip("redistest: redis-cli not found; install the redis-tools package (set POOLGUARD_REQUIRE_REDIS=1 to fail instead)")
	}
	c := &Cluster{t: t}
	args := []string{"--cluster", "create"}
	for range 2 * masters {
		s := Start(t, Args("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", clusterNodeTimeout, "--cluster-replica-validity-factor", "0",
			"--cluster-require-full-coverage", "no", "--repl-diskless-sync-delay", "0"))
		c.Nodes = append(c.Nodes, s)
		args = append(args, s.Addr())
	}
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v: %s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !c.Healthy() || !c.synced() {
		if time.Now().After(deadline) {
			t.Fatalf("redistest: cluster not healthy within 30 s")
		}
		time.Sleep(50 * time.Millisecond) // polling interval
	}
	return c
}

// Addrs returns every node's host:port.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, s := range c.Nodes {
		out[i] = s.Addr()
	}
	return out
}

// Node returns the node at addr, or nil.
func (c *Cluster) Node(addr string) *Server {
	for _, s := range c.Nodes {
		if s.Addr() == addr {
			return s
		}
	}
	return nil
}

// Healthy reports whether every running node says the cluster is ok, with
// every slot served and every node known.
func (c *Cluster) Healthy() bool {
	want := fmt.Sprintf("cluster_known_nodes:%d", len(c.Nodes))
	for _, s := range c.Nodes {
		if !s.Running() {
			continue
		}
		info, err := s.Do("CLUSTER INFO")
		if err != nil || !strings.Contains(info, "cluster_state:ok") ||
			!strings.Contains(info, "cluster_slots_ok:16384") || !strings.Contains(info, want) {
			return false
		}
	}
	return true
}

// synced reports whether every running master has its replica online.
func (c *Cluster) synced() bool {
	for _, s := range c.Nodes {
		if !s.Running() {
			continue
		}
		info, err := s.Do("INFO replication")
		if err != nil {
			return false
		}
		if strings.Contains(info, "role:master") && (!strings.Contains(info, "connected_slaves:1") || !strings.Contains(info, "state=online")) {
			return false
		}
	}
	return true
}

// Slot returns the hash slot of key, as the cluster computes it.
func (c *Cluster) Slot(key string) (int, error) {
	for _, s := range c.Nodes {
		if !s.Running() {
			continue
		}
		line, err := s.Do("CLUSTER KEYSLOT " + key)
		if err != nil {
			continue
		}
		return strconv.Atoi(strings.TrimPrefix(line, ":"))
	}
	return 0, fmt.Errorf("no running node")
}

// Owner returns, as the running node view sees it, the address of the
// master serving slot, if that master is not flagged as failing.
func (c *Cluster) Owner(view *Server, slot int) (string, bool) {
	nodes, err := view.Do("CLUSTER NODES")
	if err != nil {
		return "", false
	}
	for _, line := range strings.Split(nodes, "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || !strings.Contains(f[2], "master") || strings.Contains(f[2], "fail") {
			continue
		}
		for _, r := range f[8:] {
			lo, hi, _ := strings.Cut(r, "-")
			a, err1 := strconv.Atoi(lo)
			b, err2 := strconv.Atoi(hi)
			if hi == "" {
				b, err2 = a, err1
			}
			if err1 == nil && err2 == nil && a <= slot && slot <= b {
				addr, _, _ := strings.Cut(f[1], "@")
				return addr, true
			}
		}
	}
	return "", false
}
