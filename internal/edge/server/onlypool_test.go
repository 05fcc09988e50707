package server

import (
	"testing"

	"github.com/poolguard/poolguard/internal/config"
)

// The proxy serves one pool alone when every client is in it and unlisted
// clients are refused; the WAF log then names that pool for calls whose
// body it never reads.
func TestOnlyPool(t *testing.T) {
	clients := func(pools ...string) []config.Client {
		var cs []config.Client
		for i, p := range pools {
			cs = append(cs, config.Client{ClientID: string(rune('a' + i)), UserPoolID: p})
		}
		return cs
	}
	for _, tt := range []struct {
		name    string
		unknown config.ClientPolicy
		clients []config.Client
		want    string
	}{
		{"one client", config.RejectUnknown, clients("eu-west-1_A"), "eu-west-1_A"},
		{"clients of one pool", config.RejectUnknown, clients("eu-west-1_A", "eu-west-1_A"), "eu-west-1_A"},
		{"clients of two pools", config.RejectUnknown, clients("eu-west-1_A", "eu-west-1_B"), ""},
		{"the second differs last", config.RejectUnknown, clients("eu-west-1_A", "eu-west-1_A", "eu-west-1_B"), ""},
		{"unlisted clients passed", config.PassUnknown, clients("eu-west-1_A"), ""},
		{"no clients", config.RejectUnknown, nil, ""},
		{"no pool named", config.RejectUnknown, clients(""), ""},
	} {
		cfg := &config.Config{UnknownClients: tt.unknown, Clients: tt.clients}
		if got := onlyPool(cfg); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
