package redistest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// StartSentinel starts a Redis Sentinel that monitors master under name
// with a quorum of 1, considers it down after 1 s without an answer and
// then promotes one of its replicas. Like Start, it picks a free port and
// stops the process by PID when t ends.
func StartSentinel(t testing.TB, name string, master *Server) *Server {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "sentinel.conf")
	text := fmt.Sprintf("sentinel monitor %[1]s 127.0.0.1 %[2]d 1\n"+
		"sentinel down-after-milliseconds %[1]s 1000\n"+
		"sentinel failover-timeout %[1]s 5000\n"+
		"sentinel parallel-syncs %[1]s 1\n", name, master.Port())
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return Start(t, func(s *Server) { s.conf = conf })
}

// StartReplica starts a server replicating master.
func StartReplica(t testing.TB, master *Server) *Server {
	t.Helper()
	return Start(t, Args("--replicaof", "127.0.0.1", fmt.Sprint(master.Port())))
}

// IsMaster reports whether s answers that its role is master.
func (s *Server) IsMaster() bool {
	info, err := s.Do("INFO replication")
	return err == nil && strings.Contains(info, "role:master")
}
