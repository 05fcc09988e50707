package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/breached"
	"github.com/poolguard/poolguard/internal/config"
)

// TestBuildBreached: the filter path is relative to the config file;
// a min_count the filter was not built with, and a file that is not a
// filter, are build errors naming the key.
func TestBuildBreached(t *testing.T) {
	path := writeConfig(t, "upstream: {region: us-east-1, endpoint: UPSTREAM}\nbreached_passwords: {filter: pwned.filter, min_count: MIN}\n", "http://127.0.0.1:1")
	dir := filepath.Dir(path)
	src := filepath.Join(dir, "c.txt")
	if err := os.WriteFile(src, []byte("5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := breached.Build(filepath.Join(dir, "pwned.filter"), []string{src}, 2); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	for _, tc := range []struct{ min, want string }{
		{"2", ""},
		{"0", ""},
		{"1", "breached_passwords.min_count"},
	} {
		os.WriteFile(path, []byte(strings.ReplaceAll(string(raw), "MIN", tc.min)), 0o600)
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		st, err := BuildState(cfg, Deps{})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("min_count %s: %v", tc.min, err)
		case tc.want == "" && !st.Breached.Contains("password"):
			t.Errorf("min_count %s: the filter lacks a member", tc.min)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("min_count %s: err = %v, want %q", tc.min, err, tc.want)
		}
	}
	os.WriteFile(filepath.Join(dir, "pwned.filter"), []byte("not a filter at all, but long enough to have a header......."), 0o600)
	os.WriteFile(path, []byte(strings.ReplaceAll(string(raw), "MIN", "0")), 0o600)
	cfg, _ := config.Load(path)
	if _, err := BuildState(cfg, Deps{}); err == nil || !strings.Contains(err.Error(), "breached_passwords.filter") {
		t.Errorf("a damaged filter: err = %v", err)
	}
}
