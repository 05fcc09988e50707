package redistest

import "testing"

func TestStartKillRestart(t *testing.T) {
	s := Start(t)
	if err := ping(s.Addr()); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Do("SET a 1"); err != nil || got != "+OK" {
		t.Fatalf("SET: %q, %v", got, err)
	}
	s.Kill()
	if err := ping(s.Addr()); err == nil {
		t.Fatal("PING answered after Kill")
	}
	s.Restart()
	if got, err := s.Do("GET a"); err != nil || got != "$-1" {
		t.Fatalf("GET after restart: %q, %v (want an empty server)", got, err)
	}
}

// TestClusterAndSentinel checks the helpers the failover tests build on.
func TestClusterAndSentinel(t *testing.T) {
	c := StartCluster(t, 3)
	slot, err := c.Slot("{abc}")
	if err != nil || slot != 7638 {
		t.Fatalf("CLUSTER KEYSLOT {abc}: %d, %v; want 7638", slot, err)
	}
	owner, ok := c.Owner(c.Nodes[0], slot)
	if !ok || c.Node(owner) == nil || !c.Node(owner).IsMaster() {
		t.Fatalf("owner of slot %d: %q, %v; want a master of the cluster", slot, owner, ok)
	}
	m := Start(t)
	r := StartReplica(t, m)
	s := StartSentinel(t, "pg", m)
	if !m.IsMaster() || r.IsMaster() {
		t.Fatal("replica reports itself master")
	}
	if got, err := s.Do("SENTINEL MASTERS"); err != nil || got != "*1" {
		t.Fatalf("SENTINEL MASTERS: %q, %v; want one master", got, err)
	}
}
