package config

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

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
	DefaultAction string `yaml:"default_action"`
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

// UnmarshalYAML accepts a scalar name or a mapping with name and params.
func (p *Preset) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		p.Name = n.Value
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a preset is a name or {name, params}", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var err error
		switch k.Value {
		case "name":
			err = v.Decode(&p.Name)
		case "params":
			err = v.Decode(&p.Params)
		default:
			err = fmt.Errorf("line %d: field %s not found in type config.Preset", k.Line, k.Value)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// IPSet is a named set of addresses, listed inline or in a file (one CIDR
// or address per line; '#' comments).
type IPSet struct {
	Name      string   `yaml:"name"`
	Addresses []string `yaml:"addresses"`
	File      string   `yaml:"file"`
}

// RegexPatternSet is a named list of regular expressions.
type RegexPatternSet struct {
	Name     string   `yaml:"name"`
	Patterns []string `yaml:"patterns"`
}
