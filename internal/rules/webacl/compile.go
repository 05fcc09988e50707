package webacl

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/rules/prefixset"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// compile resolves the sets and compiles presets plus file into one web ACL.
func (b *builder) compile() (*waf.Engine, error) {
	opts := waf.Options{
		Account: b.w.Account, WebACLName: b.w.Name, TestMode: b.w.TestMode, IPv6Prefix: b.w.IPv6Prefix,
		RegexPatternSets: b.regexSets, Store: b.in.Store, IPSets: map[string]*prefixset.Set{},
		Tokens: b.in.Tokens, KeyHashKey: b.in.KeyHashKey, Country: b.in.Country,
	}
	for name, addrs := range b.ipSets {
		s, err := b.defineSet(name, addrs)
		if err != nil {
			b.fail("ip set %s: %w", name, err)
			continue
		}
		opts.IPSets[name] = s
	}
	if b.in.IPSets != nil {
		for name, s := range b.in.IPSets.Sets() { // sets created at run time
			if _, ok := opts.IPSets[name]; !ok {
				opts.IPSets[name] = s
			}
		}
	}
	if len(b.errs) > 0 {
		return nil, errors.Join(b.errs...)
	}
	if b.fileACL != nil {
		// Compile the file alone first, so its errors carry its own paths.
		if _, err := waf.Compile(&waf.Document{Kind: waf.KindWebACL, WebACL: b.fileACL}, opts); err != nil {
			return nil, fmt.Errorf("%s: %w", b.path(b.w.WebACL), err)
		}
	}
	acl, err := b.combined()
	if err != nil {
		return nil, err
	}
	e, err := waf.Compile(&waf.Document{Kind: waf.KindWebACL, WebACL: acl}, opts)
	if err != nil {
		return nil, fmt.Errorf("web ACL (presets %s and %s): %w", presetNames(b), b.w.WebACL, err)
	}
	return e, nil
}

// combined returns the preset rules followed by the file's rules, whose
// priorities are shifted past the presets' so their order is kept.
func (b *builder) combined() (*waf.WebACL, error) {
	acl := &waf.WebACL{Name: b.w.Name, DefaultAction: defaultAction(b.w.DefaultAction)}
	if len(b.rules) > 0 {
		raw := append([]byte{'['}, joinRaw(b)...)
		doc, err := waf.Load(append(raw, ']'))
		if err != nil {
			return nil, fmt.Errorf("presets: %w", err)
		}
		acl.Rules = doc.WebACL.Rules
		acl.CustomResponseBodies = b.bodies
	}
	if f := b.fileACL; f != nil {
		for _, r := range f.Rules {
			r.Priority += int64(b.next)
			acl.Rules = append(acl.Rules, r)
		}
		for k, body := range f.CustomResponseBodies { // the file's win over the presets'
			if acl.CustomResponseBodies == nil {
				acl.CustomResponseBodies = map[string]waf.CustomResponseBody{}
			}
			acl.CustomResponseBodies[k] = body
		}
		if f.DefaultAction != nil {
			acl.DefaultAction = f.DefaultAction
		}
		if acl.Name == "" {
			acl.Name = f.Name
		}
	}
	return acl, nil
}

func joinRaw(b *builder) []byte {
	var out []byte
	for i, r := range b.rules {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, r...)
	}
	return out
}

func defaultAction(a config.WAFAction) *waf.DefaultAction {
	if a == config.ActionBlock {
		return &waf.DefaultAction{Block: &waf.BlockAction{}}
	}
	return &waf.DefaultAction{Allow: &waf.AllowAction{}}
}

func presetNames(b *builder) string {
	names := make([]string, len(b.w.Presets))
	for i, p := range b.w.Presets {
		names[i] = p.Name
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// defineSet returns the set to compile against: the registry's, or a new
// one from config.
func (b *builder) defineSet(name string, addrs []netip.Prefix) (*prefixset.Set, error) {
	if b.in.IPSets != nil {
		return b.in.IPSets.Define(name, addrs), nil
	}
	return prefixset.New(name, addrs)
}
