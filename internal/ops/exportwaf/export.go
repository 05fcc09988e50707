// Package exportwaf generates the AWS WAF web ACL to attach to the user pool
// itself (`poolguard export waf`), closing the gaps a proxy cannot: calls
// that go straight to Cognito. It writes AWS WAFv2 JSON (a WebACL that the
// proxy's own engine also loads) and a CloudFormation template.
//
// The web ACL, in priority order:
//
//  0. PoolguardForbiddenOperations (Block): operations nobody may call, the
//     proxy included, by the x-amzn-cognito-operation-name header.
//  1. PoolguardProxyOnly (Block): the public secret-taking operations and
//     the proxy-only token operations, unless the request comes from the
//     proxy (its egress IP sets or its shared-secret header).
//  2. PoolguardProxyAllow (Allow): the proxy's own requests, so that the
//     per-IP rate rules below do not count every user of the proxy as one
//     address (the proxy limits per client IP itself).
//  3. The cognito-categories preset (the rate-based rules per action
//     category that AWS's article "Protect your Amazon Cognito user pool with AWS WAF" recommends): allow and deny lists and a
//     per-IP rate limit per action category, for everything else (Hosted
//     UI paths, token-authorised calls made directly).
//
// Default action: Allow. IP sets the config fills (waf.ip_sets of the same
// name) are exported with their addresses.
package exportwaf

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"slices"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/rules/presets"
	"github.com/poolguard/poolguard/internal/rules/webacl"
	"github.com/poolguard/poolguard/internal/secrets"
)

// Options places the web ACL (Build reads Region and Account) and say
// what Run exports: a plain value the command line fills
// (cmd/poolguard/export.go).
type Options struct {
	// Region and Account go into the IP set ARNs; defaults are
	// upstream.region and waf.account, else presets'.
	Region, Account string
	// ConfigPath is the poolguard config file Run exports from.
	ConfigPath string
	// Format is one of Formats (waf when "").
	Format string
	// LogBucket is the default of the template's WAFLogsS3Bucket
	// parameter (aws-waf-logs-...).
	LogBucket string
	// Log receives Run's notes (IP sets exported empty); nil drops them.
	Log io.Writer
}

// Names of what the export creates.
const (
	DefaultName     = "poolguard-pool"
	ProxyIPSetV4    = "PoolguardProxyV4"
	ProxyIPSetV6    = "PoolguardProxyV6"
	RuleForbidden   = "PoolguardForbiddenOperations"
	RuleProxyOnly   = "PoolguardProxyOnly"
	RuleProxyAllow  = "PoolguardProxyAllow"
	headerSentinel  = "\x00poolguard-proxy-header-value\x00"
	firstPresetPrio = 3
)

// Export is a generated web ACL and the IP sets it references.
type Export struct {
	// WebACL is the AWS WAFv2 WebACL object. The proxy header's value is
	// a sentinel until WebACLJSON or CloudFormation renders it.
	WebACL obj
	// IPSets are the IP sets the rules reference, with their addresses.
	IPSets []presets.IPSet
	// ForbiddenOperations and ProxyOnlyOperations are the resolved lists.
	ForbiddenOperations, ProxyOnlyOperations []string
	// HeaderName is the proxy header's name, "" without one.
	HeaderName string
	// EmptyIPSets names the IP sets exported without an address (neither
	// the config nor the export fills them), for the caller to mention.
	EmptyIPSets []string
	// LogBucket is the default of the CloudFormation template's
	// WAFLogsS3Bucket parameter ("" leaves logging off).
	LogBucket string
	// categoryRules names the rules of the cognito-categories preset.
	categoryRules map[string]bool
	// headerRef is the proxy header value's secret reference.
	headerRef string
}

// Build generates the web ACL for cfg's pool_acl section.
func Build(cfg *config.Config, opts Options) (*Export, error) {
	pa := cfg.PoolACL
	if opts.Region == "" {
		opts.Region = cmpOr(cfg.Upstream.Region, presets.DefaultRegion)
	}
	if opts.Account == "" {
		opts.Account = cmpOr(cfg.WAF.Account, presets.DefaultAccount)
	}
	if len(pa.ProxyEgressIPs) == 0 && !pa.ProxyHeader.Enabled() {
		return nil, errors.New("pool_acl needs proxy_egress_ips or proxy_header to tell the proxy's requests apart")
	}
	e := &Export{HeaderName: pa.ProxyHeader.Name, headerRef: pa.ProxyHeader.Value}
	e.ForbiddenOperations = forbidden(cfg)
	e.ProxyOnlyOperations = proxyOnly(cfg, e.ForbiddenOperations)

	var fromProxy []obj
	v4, v6, err := splitIPs(pa.ProxyEgressIPs)
	if err != nil {
		return nil, err
	}
	for _, s := range []struct {
		name, version string
		addrs         []string
	}{{ProxyIPSetV4, "IPV4", v4}, {ProxyIPSetV6, "IPV6", v6}} {
		if len(s.addrs) == 0 {
			continue
		}
		id := resourceID("ipset", s.name)
		arn := fmt.Sprintf("arn:aws:wafv2:%s:%s:regional/ipset/%s/%s", opts.Region, opts.Account, s.name, id)
		e.IPSets = append(e.IPSets, presets.IPSet{Name: s.name, Id: id, ARN: arn, Description: "poolguard proxy egress addresses", IPAddressVersion: s.version, Addresses: s.addrs})
		fromProxy = append(fromProxy, ipSetRef(arn))
	}
	if pa.ProxyHeader.Enabled() {
		fromProxy = append(fromProxy, headerExactly(pa.ProxyHeader.Name, headerSentinel))
	}
	proxy := anyOf(fromProxy...)

	var rules []any
	if len(e.ForbiddenOperations) > 0 {
		rules = append(rules, rule(RuleForbidden, 0, operations(e.ForbiddenOperations), "Block"))
	}
	rules = append(rules,
		rule(RuleProxyOnly, 1, allOf(operations(e.ProxyOnlyOperations), not(proxy)), "Block"),
		rule(RuleProxyAllow, 2, proxy, "Allow"))
	cat, err := presets.Generate("cognito-categories", pa.RateLimits, presets.Options{Region: opts.Region, Account: opts.Account, Priority: firstPresetPrio})
	if err != nil {
		return nil, fmt.Errorf("pool_acl.rate_limits: %w", err)
	}
	for _, raw := range cat.Rules {
		var r any
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	e.categoryRules = map[string]bool{}
	for _, r := range rules[len(rules)-len(cat.Rules):] {
		e.categoryRules[r.(obj)["Name"].(string)] = true
	}
	sets, err := fillIPSets(cfg, cat.IPSets)
	if err != nil {
		return nil, err
	}
	e.IPSets = append(e.IPSets, sets...)
	for _, s := range e.IPSets {
		if len(s.Addresses) == 0 {
			e.EmptyIPSets = append(e.EmptyIPSets, s.Name)
		}
	}
	name := cmpOr(pa.Name, DefaultName)
	e.WebACL = obj{
		"Name":          name,
		"Description":   Description,
		"DefaultAction": obj{"Allow": obj{}},
		"Rules":         rules,
		"VisibilityConfig": obj{
			"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": name,
		},
	}
	return e, nil
}

// Description is the web ACL's description, within AWS's pattern for
// descriptions (letters, digits, spaces and = : # @ / - , . + only).
const Description = "poolguard web ACL for a Cognito user pool. Only the proxy may call the operations that take the app client secret. " +
	"Per-IP rate limits per Cognito action category apply to every other call."

// fillIPSets gives each preset IP set the addresses of the config's set of
// the same name (waf.ip_sets), as CIDRs of the set's address family.
func fillIPSets(cfg *config.Config, sets []presets.IPSet) ([]presets.IPSet, error) {
	out := slices.Clone(sets)
	var errs []error
	for i := range out {
		for j, cs := range cfg.WAF.IPSets {
			if cs.Name != out[i].Name {
				continue
			}
			addrs, err := webacl.IPSetAddresses(cs, filepath.Dir(cfg.File))
			if err != nil {
				errs = append(errs, fmt.Errorf("waf.ip_sets[%d] (%s): %w", j, cs.Name, err))
				continue
			}
			cidrs, err := cidrsOf(addrs, out[i].IPAddressVersion == "IPV6")
			if err != nil {
				errs = append(errs, fmt.Errorf("waf.ip_sets[%d] (%s): %w", j, cs.Name, err))
			}
			out[i].Addresses = cidrs
		}
	}
	return out, errors.Join(errs...)
}

// cidrsOf writes addrs as CIDRs (AWS wants 192.0.2.1/32, not 192.0.2.1),
// refusing any address of the other family.
func cidrsOf(addrs []netip.Prefix, v6 bool) ([]string, error) {
	out := make([]string, 0, len(addrs))
	for _, p := range addrs {
		if p.Addr().Is4() == v6 {
			return nil, fmt.Errorf("%s is not an %s address", p, map[bool]string{true: "IPv6", false: "IPv4"}[v6])
		}
		out = append(out, p.Masked().String())
	}
	return sortedSet(out), nil
}

// WebACLJSON returns the web ACL as indented AWS WAFv2 JSON, with the proxy
// header's secret value resolved into it: treat the output as a secret.
func (e *Export) WebACLJSON() ([]byte, error) {
	value := ""
	if e.HeaderName != "" {
		v, err := secrets.Resolve(e.headerRef)
		if err != nil {
			return nil, fmt.Errorf("pool_acl.proxy_header.value: %w", err)
		}
		value = string(v.Bytes())
	}
	acl := replaceSentinel(deepCopy(e.WebACL), value)
	return json.MarshalIndent(acl, "", "  ")
}

// SecretTakingOperations returns the public operations that carry the app
// client's secret, sorted: the ones only the proxy, which holds the
// secret, should call.
func SecretTakingOperations() []string {
	var out []string
	for _, op := range cognito.Operations() {
		if op.Class == cognito.Public && op.Secret != cognito.NoSecret {
			out = append(out, op.Name)
		}
	}
	slices.Sort(out)
	return out
}

// forbidden returns pool_acl.forbidden_operations, or by default the
// operations every configured client forbids plus operations.deny.
func forbidden(cfg *config.Config) []string {
	if len(cfg.PoolACL.ForbiddenOperations) > 0 {
		return sortedSet(cfg.PoolACL.ForbiddenOperations)
	}
	out := slices.Clone(cfg.Operations.Deny)
	if len(cfg.Clients) > 0 {
		for _, op := range cfg.Clients[0].ForbiddenOperations {
			all := true
			for _, c := range cfg.Clients[1:] {
				all = all && slices.Contains(c.ForbiddenOperations, op)
			}
			if all {
				out = append(out, op)
			}
		}
	}
	return withoutIAM(sortedSet(out))
}

// proxyOnly returns the secret-taking operations and
// pool_acl.proxy_only_operations (by default UpdateUserAttributes and
// DeleteUserAttributes when a client protects attributes), less the
// forbidden ones.
func proxyOnly(cfg *config.Config, forbidden []string) []string {
	out := append(SecretTakingOperations(), cfg.PoolACL.ProxyOnlyOperations...)
	if len(cfg.PoolACL.ProxyOnlyOperations) == 0 {
		for _, c := range cfg.Clients {
			if len(c.ProtectedAttributes) > 0 {
				out = append(out, "UpdateUserAttributes", "DeleteUserAttributes")
				break
			}
		}
	}
	return slices.DeleteFunc(sortedSet(out), func(op string) bool { return slices.Contains(forbidden, op) })
}

// withoutIAM drops IAM-signed operations: a user pool's web ACL sees only
// the public and token-authorised API.
func withoutIAM(ops []string) []string {
	return slices.DeleteFunc(ops, func(name string) bool {
		op, ok := cognito.Lookup(name)
		return !ok || op.Class == cognito.IAM
	})
}

func sortedSet(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

func splitIPs(addrs []netip.Prefix) (v4, v6 []string, err error) {
	for _, p := range addrs {
		if p.Addr().Is4() || p.Addr().Is4In6() {
			v4 = append(v4, netip.PrefixFrom(p.Addr().Unmap(), min(p.Bits(), 32)).String())
		} else {
			v6 = append(v6, p.String())
		}
	}
	return v4, v6, nil
}

// resourceID is a stable UUID-shaped id for a generated set.
func resourceID(kind, name string) string {
	h := sha256.Sum256([]byte("poolguard/exportwaf/" + kind + "/" + name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// deepCopy copies a JSON-shaped value.
func deepCopy(v any) any {
	switch t := v.(type) {
	case obj:
		m := make(obj, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = deepCopy(x)
		}
		return l
	}
	return v
}

// replaceSentinel puts value where the proxy header's value goes.
func replaceSentinel(v any, value any) any {
	return walk(v, func(m obj) {
		if bm, ok := m["ByteMatchStatement"].(obj); ok && bm["SearchString"] == headerSentinel {
			bm["SearchString"] = value
		}
	})
}

// walk calls f on every object in v, depth first, and returns v.
func walk(v any, f func(obj)) any {
	switch t := v.(type) {
	case obj:
		f(t)
		for _, x := range t {
			walk(x, f)
		}
	case []any:
		for _, x := range t {
			walk(x, f)
		}
	}
	return v
}

// IPSetsJSON returns the IP sets as an indented JSON list.
func (e *Export) IPSetsJSON() ([]byte, error) {
	return json.MarshalIndent(e.IPSets, "", "  ")
}
