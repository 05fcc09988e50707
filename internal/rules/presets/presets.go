// Package presets generates poolguard's built-in web ACL rules as AWS WAFv2
// JSON, so the rules the proxy enforces are the rules a user can also deploy
// to AWS (`poolguard rules export PRESET`).
//
// Three presets reproduce the rule sets of published articles:
//
//   - cognito-proxy: allow list, deny list and a per-IP rate limit, as the
//     CloudFront proxy's web ACL does.
//   - cognito-categories: a per-IP rate limit per Cognito action category
//     (user creation, sign-in, account recovery, IP reputation, default) for
//     API operations and Hosted UI paths, after allow and deny lists.
//   - cognito-allowlist: count every Cognito API call, block every target
//     not in a regex pattern set, let requests without X-Amz-Target through.
//
// A preset is a pure function of its parameters and Options: Generate reads
// no files and keeps no state, and its output is deterministic.
package presets

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/poolguard/poolguard/internal/rules/waf"
)

// Options places a preset in a web ACL.
type Options struct {
	// Region and Account go into the ARNs of the sets the rules reference.
	// Defaults DefaultRegion and DefaultAccount.
	Region, Account string
	// Priority is the first rule's priority; the preset's rules take
	// consecutive priorities from it. Presets used together should be given
	// non-overlapping ranges (see Preset.LastPriority).
	Priority int
}

// Defaults for Options.
const (
	DefaultRegion  = "us-east-1"
	DefaultAccount = "123456789012"
)

// IPSet is an AWS WAF IP set a preset references.
type IPSet struct {
	Name             string   `json:"Name"`
	Id               string   `json:"Id"`
	ARN              string   `json:"ARN"`
	Description      string   `json:"Description,omitempty"`
	IPAddressVersion string   `json:"IPAddressVersion"` // "IPV4" or "IPV6"
	Addresses        []string `json:"Addresses"`
}

// Regex is one entry of a regex pattern set.
type Regex struct {
	RegexString string `json:"RegexString"`
}

// RegexPatternSet is an AWS WAF regex pattern set a preset references.
type RegexPatternSet struct {
	Name                  string  `json:"Name"`
	Id                    string  `json:"Id"`
	ARN                   string  `json:"ARN"`
	Description           string  `json:"Description,omitempty"`
	RegularExpressionList []Regex `json:"RegularExpressionList"`
}

// Preset is a generated preset: AWS WAFv2 JSON rules and the sets they
// reference, with their default contents.
type Preset struct {
	// Name is the preset's name.
	Name string `json:"Name"`
	// Rules are AWS WAFv2 Rule objects, in priority order.
	Rules []json.RawMessage `json:"Rules"`
	// IPSets are the IP sets the rules reference, with default (empty)
	// address lists.
	IPSets []IPSet `json:"IPSets,omitempty"`
	// RegexPatternSets are the regex pattern sets the rules reference, with
	// default patterns.
	RegexPatternSets []RegexPatternSet `json:"RegexPatternSets,omitempty"`
	// CustomResponseBodies are the web ACL response bodies the rules'
	// custom responses refer to by key.
	CustomResponseBodies map[string]waf.CustomResponseBody `json:"CustomResponseBodies,omitempty"`
	// FirstPriority and LastPriority bound the rules' priorities.
	FirstPriority int `json:"FirstPriority"`
	LastPriority  int `json:"LastPriority"`
}

// JSON returns p as indented JSON, as `poolguard rules export` prints it.
func (p Preset) JSON() ([]byte, error) {
	return json.MarshalIndent(p, "", "  ")
}

// definition is one preset.
type definition struct {
	doc    string
	params []Param
	build  func(b *builder, v values)
}

// definitions maps preset names to their definitions.
var definitions = map[string]definition{
	"cognito-proxy":      cognitoProxy,
	"cognito-categories": cognitoCategories,
	"cognito-allowlist":  cognitoAllowlist,

	"cognito-credential-stuffing": cognitoCredentialStuffing,
	"cognito-sms-pumping":         cognitoSMSPumping,
	"cognito-advanced":            cognitoAdvanced,
	AttackProtection:              cognitoAttackProtection,
}

// Names returns the preset names, sorted.
func Names() []string {
	names := make([]string, 0, len(definitions))
	for n := range definitions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Doc returns a one-paragraph description of the named preset.
func Doc(name string) (string, error) {
	d, err := lookup(name)
	return d.doc, err
}

// Params returns the named preset's parameters with their defaults.
func Params(name string) ([]Param, error) {
	d, err := lookup(name)
	return slices.Clone(d.params), err
}

func lookup(name string) (definition, error) {
	d, ok := definitions[name]
	if !ok {
		return definition{}, fmt.Errorf("unknown preset %q (valid: %s)", name, joinNames())
	}
	return d, nil
}

func joinNames() string {
	s := ""
	for i, n := range Names() {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

// Generate returns the named preset with params applied over the defaults.
// An unknown preset, an unknown parameter or an invalid value is an error
// naming the preset and parameter and listing the valid ones.
func Generate(name string, params map[string]any, opts Options) (Preset, error) {
	d, err := lookup(name)
	if err != nil {
		return Preset{}, err
	}
	v, err := resolve(name, d.params, params)
	if err != nil {
		return Preset{}, err
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.Account == "" {
		opts.Account = DefaultAccount
	}
	if opts.Priority < 0 {
		return Preset{}, fmt.Errorf("preset %s: negative priority %d", name, opts.Priority)
	}
	b := &builder{opts: opts, p: Preset{Name: name, FirstPriority: opts.Priority, LastPriority: opts.Priority - 1}}
	d.build(b, v)
	if b.err != nil {
		return Preset{}, fmt.Errorf("preset %s: %w", name, b.err)
	}
	return b.p, nil
}

// builder accumulates a preset's rules and sets.
type builder struct {
	opts Options
	p    Preset
	err  error
}

// rule appends r at the next priority.
func (b *builder) rule(r rule) {
	b.p.LastPriority++
	r.Priority = b.p.LastPriority
	raw, err := json.Marshal(r)
	if err != nil && b.err == nil {
		b.err = err
	}
	b.p.Rules = append(b.p.Rules, raw)
}

// ipSet declares an empty IP set and returns its ARN.
func (b *builder) ipSet(name, desc, version string) string {
	id := resourceID("ipset", name)
	arn := b.arn("ipset", name, id)
	if !slices.ContainsFunc(b.p.IPSets, func(s IPSet) bool { return s.Name == name }) {
		b.p.IPSets = append(b.p.IPSets, IPSet{Name: name, Id: id, ARN: arn, Description: desc, IPAddressVersion: version, Addresses: []string{}})
	}
	return arn
}

// regexSet declares a regex pattern set with default patterns and returns
// its ARN.
func (b *builder) regexSet(name, desc string, patterns []string) string {
	id := resourceID("regexpatternset", name)
	arn := b.arn("regexpatternset", name, id)
	list := make([]Regex, len(patterns))
	for i, p := range patterns {
		list[i] = Regex{RegexString: p}
	}
	b.p.RegexPatternSets = append(b.p.RegexPatternSets, RegexPatternSet{Name: name, Id: id, ARN: arn, Description: desc, RegularExpressionList: list})
	return arn
}

// arn returns arn:aws:wafv2:REGION:ACCOUNT:regional/KIND/NAME/ID.
func (b *builder) arn(kind, name, id string) string {
	return fmt.Sprintf("arn:aws:wafv2:%s:%s:regional/%s/%s/%s", b.opts.Region, b.opts.Account, kind, name, id)
}

// resourceID returns a deterministic id in AWS's UUID format for a set,
// derived from its kind and name, so generated ARNs are stable.
func resourceID(kind, name string) string {
	h := sha256.Sum256([]byte("poolguard/" + kind + "/" + name))
	h[6] = h[6]&0x0f | 0x50 // version 5 style (name-based, SHA)
	h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
