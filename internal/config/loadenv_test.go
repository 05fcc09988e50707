package config

import (
	"strings"
	"testing"
)

// A config in an environment variable loads like a file, and its problems
// name the variable and line.
func TestLoadFromEnv(t *testing.T) {
	t.Setenv("PG_TEST_CONFIG", "listen: 127.0.0.1:8080\nupstream:\n  region: us-east-1\nclients:\n  - client_id: abc\n    refresh: nope\n")
	_, err := Load("env:PG_TEST_CONFIG")
	if err == nil || !strings.Contains(err.Error(), "env:PG_TEST_CONFIG:6") {
		t.Fatalf("err = %v, want a problem at env:PG_TEST_CONFIG:6", err)
	}
	t.Setenv("PG_TEST_CONFIG", "listen: 127.0.0.1:8080\nupstream:\n  region: us-east-1\nclients:\n  - client_id: abc\n")
	cfg, err := Load("env:PG_TEST_CONFIG")
	if err != nil || cfg.Listen != "127.0.0.1:8080" || len(cfg.Clients) != 1 {
		t.Fatalf("Load: %v %+v", err, cfg)
	}
	t.Setenv("PG_TEST_CONFIG", " ")
	if _, err := Load("env:PG_TEST_CONFIG"); err == nil || !strings.Contains(err.Error(), "PG_TEST_CONFIG is not set or empty") {
		t.Errorf("empty variable: %v", err)
	}
}
