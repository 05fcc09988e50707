package config

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strings"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/rules/prefixset"
)

// poolIDRe is a user pool id: <region>_<id>.
var poolIDRe = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)

// validate returns every problem in c (keys without lines; Parse adds them).
func validate(c *Config) []Problem {
	var v validator
	v.addr("listen", c.Listen)
	v.addr("admin_listen", c.AdminListen)
	v.upstream(&c.Upstream)
	seen := map[string]int{}
	for i := range c.Clients {
		v.client(fmt.Sprintf("clients[%d]", i), &c.Clients[i], seen, i)
	}
	for i, name := range c.Operations.Deny {
		if _, ok := cognito.Lookup(name); !ok {
			v.add(fmt.Sprintf("operations.deny[%d]", i), "unknown Cognito operation %q", name)
		}
	}
	v.limits(&c.Limits)
	for i, o := range c.CORS.AllowedOrigins {
		if o != "*" && !strings.Contains(o, "://") {
			v.add(fmt.Sprintf("cors.allowed_origins[%d]", i), "%q is not an origin (scheme://host[:port]) or \"*\"", o)
		}
	}
	v.waf(&c.WAF)
	v.state(c)
	v.observability(c)
	v.adminMode(c)
	v.poolACL(&c.PoolACL)
	v.tls(c.TLS, c.HTTPServer)
	v.hook(c.DecisionHook)
	v.signals(&c.Signals)
	v.breachedPasswords(&c.BreachedPasswords)
	v.emailDomainLists(&c.Signals)
	return v.problems
}

type validator struct{ problems []Problem }

func (v *validator) add(key, format string, args ...any) {
	v.problems = append(v.problems, Problem{Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) addr(key, a string) {
	if _, _, err := net.SplitHostPort(a); err != nil {
		v.add(key, "%q is not host:port", a)
	}
}

func (v *validator) upstream(u *Upstream) {
	if u.Endpoint.IsZero() { // under the endpoint's key: not repeated when a bad one was given
		v.add("upstream.endpoint", "set upstream.region (or upstream.endpoint)")
	}
	if u.Timeout < 0 {
		v.add("upstream.timeout", "must be positive")
	}
}

func (v *validator) client(key string, c *Client, seen map[string]int, i int) {
	if c.ClientID == "" {
		v.add(key+".client_id", "is required")
	} else if j, dup := seen[c.ClientID]; dup {
		v.add(key+".client_id", "duplicate of clients[%d]", j)
	} else {
		seen[c.ClientID] = i
	}
	if c.UserPoolID != "" && !poolIDRe.MatchString(c.UserPoolID) {
		v.add(key+".user_pool_id", "%q is not a user pool id (region_id)", c.UserPoolID)
	}
	if err := checkSecretRef(c.ClientSecret); err != "" {
		v.add(key+".client_secret", "%s", err)
	}
	if c.HostedUIClientAuth && c.ClientSecret == "" {
		v.add(key+".hosted_ui_client_auth", "needs client_secret (the secret the proxy would add)")
	}
	for j, f := range c.AllowedAuthFlows {
		if !knownAuthFlows[f] {
			v.add(fmt.Sprintf("%s.allowed_auth_flows[%d]", key, j), "unknown AuthFlow %q", f)
		}
	}
	v.protection(key, c)
}

var knownAuthFlows = map[string]bool{
	"USER_PASSWORD_AUTH": true, "USER_SRP_AUTH": true, "CUSTOM_AUTH": true, "USER_AUTH": true,
	"REFRESH_TOKEN_AUTH": true, "REFRESH_TOKEN": true,
}

// checkSecretRef checks the form of a secret reference without reading it.
func checkSecretRef(ref string) string {
	switch {
	case ref == "":
		return ""
	case strings.HasPrefix(ref, "env:") && len(ref) == len("env:"):
		return "env: needs a variable name"
	case strings.HasPrefix(ref, "file:") && len(ref) == len("file:"):
		return "file: needs a path"
	}
	return ""
}

func (v *validator) limits(l *Limits) {
	if l.MaxBodyBytes < 1024 || l.MaxBodyBytes > 16<<20 {
		v.add("limits.max_body_bytes", "%d is outside 1024..16777216", l.MaxBodyBytes)
	}
	for key, d := range map[string]int64{
		"limits.read_header_timeout": int64(l.ReadHeaderTimeout), "limits.read_timeout": int64(l.ReadTimeout),
		"limits.write_timeout": int64(l.WriteTimeout), "limits.idle_timeout": int64(l.IdleTimeout),
		"limits.shutdown_timeout": int64(l.ShutdownTimeout),
	} {
		if d < 0 {
			v.add(key, "must be positive")
		}
	}
	if l.MaxConnections < 1 {
		v.add("limits.max_connections", "must be at least 1")
	}
	if l.AdminMaxConnections < 1 {
		v.add("limits.admin_max_connections", "must be at least 1")
	}
}

func (v *validator) waf(w *WAF) {
	if w.IPv6Prefix < 1 || w.IPv6Prefix > 128 {
		v.add("waf.ip_v6_prefix", "%d is not a prefix length (1-128)", w.IPv6Prefix)
	}
	names := map[string]bool{}
	for i, s := range w.IPSets {
		key := fmt.Sprintf("waf.ip_sets[%d]", i)
		v.setName(key, s.Name, names)
	}
	names = map[string]bool{}
	for i, s := range w.RegexPatternSets {
		key := fmt.Sprintf("waf.regex_pattern_sets[%d]", i)
		v.setName(key, s.Name, names)
		for j, p := range s.Patterns {
			if _, err := regexp.Compile(p); err != nil {
				v.add(fmt.Sprintf("%s.patterns[%d]", key, j), "bad regular expression: %v", err)
			}
		}
	}
	for i, p := range w.Presets {
		if p.Name == "" {
			v.add(fmt.Sprintf("waf.presets[%d]", i), "a preset needs a name")
		}
	}
}

func (v *validator) setName(key, name string, seen map[string]bool) {
	switch {
	case name == "":
		v.add(key+".name", "is required")
	case seen[name]:
		v.add(key+".name", "duplicate set name %q", name)
	}
	seen[name] = true
}

// parsePrefix parses a CIDR or a bare address (as a /32 or /128), as AWS
// IPSets write them.
func parsePrefix(s string) (netip.Prefix, error) {
	return prefixset.ParsePrefix(strings.TrimSpace(s))
}
