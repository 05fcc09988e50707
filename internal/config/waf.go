package config

import "net/netip"

// WAF configures the web ACL.
type WAF struct {
	// WebACL is a path to AWS WAFv2 JSON (a WebACL, a list of rules or a RuleGroup).
	WebACL string `yaml:"web_acl"`
	// Presets are generated rule sets, evaluated before the file's rules.
	Presets []Preset `yaml:"presets"`
	// TestMode turns every rule action into Count.
	TestMode bool `yaml:"test_mode"`
	// IPSets are the IP sets rules refer to by name.
	IPSets []IPSet `yaml:"ip_sets"`
	// RegexPatternSets are the regex pattern sets rules refer to by name.
	RegexPatternSets []RegexPatternSet `yaml:"regex_pattern_sets"`
	// Account and Name make rule labels: awswaf:<account>:webacl:<name>:<label>.
	Account string `yaml:"account"`
	Name    string `yaml:"name"`
	// DefaultAction is ALLOW (default) or BLOCK when no web_acl file sets one.
	DefaultAction WAFAction `yaml:"default_action"`
	// IPv6Prefix keys rate-based rules on an IPv6 client's network prefix
	// of this many bits (1-128) instead of its whole address, so that
	// rotating addresses inside one /64 does not evade a per-IP limit.
	// Absent (or 0): 64 when presets are in use, 128 (each address, as
	// AWS WAF keys them) otherwise.
	IPv6Prefix int `yaml:"ip_v6_prefix"`
}

// Preset names a preset and its parameters. In YAML it is either a bare
// name or {name: ..., params: {...}}.
type Preset struct {
	Name   string         `yaml:"name"`
	Params map[string]any `yaml:"params"`
}

// setScalar takes a bare preset name (the YAML form "- cognito-proxy").
func (p *Preset) setScalar(name string) { p.Name = name }

// IPSet is a named set of addresses, listed inline or in a file (one CIDR
// or address per line; '#' comments).
type IPSet struct {
	Name string `yaml:"name"`
	// Addresses are CIDR blocks or bare addresses (a /32 or /128), in
	// AWS's IPSet notation.
	Addresses []netip.Prefix `yaml:"addresses"`
	File      string         `yaml:"file"`
}

// RegexPatternSet is a named list of regular expressions.
type RegexPatternSet struct {
	Name     string   `yaml:"name"`
	Patterns []string `yaml:"patterns"`
}
