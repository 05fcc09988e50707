package signals

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Statuses reports each list in use by name, with its load time and size,
// for the IP-list freshness metrics; a list the configuration dropped is
// gone from it.
func TestManagerStatuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deny.txt")
	if err := os.WriteFile(path, []byte("192.0.2.0/24\n198.51.100.0/24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := NewManager(nil, nil)
	at := time.Date(2025, 3, 14, 15, 0, 0, 0, time.UTC)
	lc := ListConfig{Name: "deny", Label: "awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList", Source: path, Format: FormatCIDR}
	if _, err := m.Build(context.Background(), Config{Lists: []ListConfig{lc}}, at); err != nil {
		t.Fatal(err)
	}
	st := m.Statuses()
	if s, ok := st["deny"]; len(st) != 1 || !ok || s.Entries != 2 || !s.LoadedAt.Equal(at) || s.Failures != 0 {
		t.Errorf("Statuses() = %+v", st)
	}
	if _, err := m.Build(context.Background(), Config{}, at); err != nil {
		t.Fatal(err)
	}
	if st := m.Statuses(); len(st) != 0 {
		t.Errorf("after the list was dropped: %+v", st)
	}
}
