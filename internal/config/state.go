package config

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// State configures where shared and persistent state lives.
type State struct {
	// Dir holds runtime IP set changes when Redis is not configured.
	Dir string `yaml:"dir"`
	// Redis, when Address is set, shares rate counters, refresh-token
	// owners and runtime IP set changes between replicas.
	Redis Redis `yaml:"redis"`
}

// Redis is a Redis (6+) or Valkey server or cluster.
type Redis struct {
	// Address is host:port; a comma-separated list means a cluster.
	Address HostPorts `yaml:"address"`
	// PasswordEnv names the environment variable holding the password.
	PasswordEnv string `yaml:"password_env"`
	// TLS connects with TLS 1.2+.
	TLS bool `yaml:"tls"`
	// KeyPrefix starts every key (default "poolguard:").
	KeyPrefix string `yaml:"key_prefix"`
	// Failure is fail_open (default: decide with local counters while Redis
	// is down) or fail_closed (refuse requests that need Redis).
	Failure FailurePolicy `yaml:"failure"`
	// Cluster speaks the Cluster protocol to a single address (a managed
	// service's configuration endpoint); a list implies it.
	Cluster bool `yaml:"cluster"`
	// SentinelMaster, when set, makes Address the Sentinels' addresses and
	// names the master they monitor.
	SentinelMaster string `yaml:"sentinel_master"`
	// SentinelPasswordEnv names the environment variable holding the
	// Sentinels' own password, if they have one.
	SentinelPasswordEnv string `yaml:"sentinel_password_env"`
	// LatencyBudget bounds how long a rate decision waits for Redis
	// (default 50ms) before the failure policy decides.
	LatencyBudget time.Duration `yaml:"latency_budget"`
	// Replicas is the number of replicas sharing the limits, for the local
	// share under fail_open; 0 (default) learns it from a heartbeat key.
	Replicas int `yaml:"replicas"`
}

// Admin configures the admin API on the admin listener.
type Admin struct {
	// Token is a secret reference (env:NAME, file:PATH) for the bearer
	// token; without one the API is off.
	Token string `yaml:"token"`
	// TokenName names Token's holder in the audit log of admin changes;
	// default "admin".
	TokenName string `yaml:"token_name"`
	// Tokens are more named tokens, one per operator or automation, so the
	// audit log says who changed what.
	Tokens []AdminToken `yaml:"tokens"`
}

// AdminToken is a named admin API bearer token.
type AdminToken struct {
	// Name identifies the holder in the audit log.
	Name string `yaml:"name"`
	// Token is a secret reference (env:NAME, file:PATH).
	Token string `yaml:"token"`
}

// HostedUI configures the listener in front of the user pool's domain
// (upstream.hosted_ui).
type HostedUI struct {
	// Listen is the address of the Hosted UI / OAuth2 listener.
	Listen string `yaml:"listen"`
	// PublicURL is the proxy's public URL for that listener; Location
	// headers pointing at the pool domain are rewritten to it.
	PublicURL URL `yaml:"public_url"`
}

func (v *validator) state(c *Config) {
	r := c.State.Redis
	if len(r.Address) > 0 {
		if strings.ContainsAny(r.KeyPrefix, "{}") {
			v.add("state.redis.key_prefix", "must not contain { or } (they pick Redis Cluster hash slots)")
		}
		if r.SentinelMaster != "" && r.Cluster {
			v.add("state.redis.sentinel_master", "cannot be combined with cluster: true (Sentinel manages standalone masters)")
		}
		if r.LatencyBudget < 0 || r.LatencyBudget > 5*time.Second {
			v.add("state.redis.latency_budget", "%v is not in [0, 5s]", r.LatencyBudget)
		}
		if r.Replicas < 0 {
			v.add("state.redis.replicas", "must not be negative")
		}
	} else if !reflect.DeepEqual(r, Redis{KeyPrefix: r.KeyPrefix, Failure: r.Failure}) {
		v.add("state.redis.address", "is required when other state.redis keys are set")
	}
	if msg := checkSecretRef(c.Admin.Token); msg != "" {
		v.add("admin.token", "%s", msg)
	}
	if c.Admin.Token != "" && !strings.HasPrefix(c.Admin.Token, "env:") && !strings.HasPrefix(c.Admin.Token, "file:") {
		v.add("admin.token", "must be a reference (env:NAME or file:PATH), not the token itself")
	}
	seen := map[string]bool{cmpOrString(c.Admin.TokenName, "admin"): c.Admin.Token != ""}
	for i, t := range c.Admin.Tokens {
		key := fmt.Sprintf("admin.tokens[%d]", i)
		switch {
		case t.Name == "" || !isToken(t.Name):
			v.add(key+".name", "%q is not a name of letters, digits, '-', '_' or '.'", t.Name)
		case seen[t.Name]:
			v.add(key+".name", "%q is used twice", t.Name)
		}
		seen[t.Name] = true
		if !strings.HasPrefix(t.Token, "env:") && !strings.HasPrefix(t.Token, "file:") {
			v.add(key+".token", "must be a reference (env:NAME or file:PATH), not the token itself")
		}
	}
	v.hostedUI(c)
}

func (v *validator) hostedUI(c *Config) {
	if c.Upstream.HostedUI.IsZero() {
		if c.HostedUI != (HostedUI{}) {
			v.add("upstream.hosted_ui", "is required when hosted_ui is set")
		}
		return
	}
	if c.HostedUI.Listen == "" {
		v.add("hosted_ui.listen", "is required when upstream.hosted_ui is set")
	} else {
		v.addr("hosted_ui.listen", c.HostedUI.Listen)
	}
}

func cmpOrString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
