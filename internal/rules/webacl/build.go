// Package webacl assembles the proxy's web ACL from its configuration: the
// presets, in the order listed, followed by the rules of the web_acl file,
// with the IP sets and regex pattern sets they reference, compiled into one
// waf.Engine.
package webacl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/rules/ipsets"
	"github.com/poolguard/poolguard/internal/rules/prefixset"
	"github.com/poolguard/poolguard/internal/rules/presets"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// Input is what Build needs besides the WAF config.
type Input struct {
	// BaseDir resolves relative paths (the config file's directory).
	BaseDir string
	// Region goes into the ARNs of preset sets.
	Region string
	// Store decides rate-based rules.
	Store ratelimit.Store
	// IPSets, when set, supplies the IP sets (the registry's own, which
	// follow runtime changes); otherwise sets are compiled from config.
	IPSets *ipsets.Build
	// Tokens checks CAPTCHA and challenge tokens; KeyHashKey keys the
	// hashes of personal rate keys; Country answers GeoMatch for
	// forwarded addresses. See waf.Options.
	Tokens     waf.Tokens
	KeyHashKey []byte
	Country    func(netip.Addr) string
}

// Build compiles the web ACL described by w. Every problem is reported,
// each naming the file or preset, the rule and the JSON path.
func Build(w *config.WAF, in Input) (*waf.Engine, error) {
	b := &builder{in: in, w: w, ipSets: map[string][]netip.Prefix{}, regexSets: map[string][]string{}}
	b.presets()
	b.file()
	b.configSets()
	if len(b.errs) > 0 {
		return nil, errors.Join(b.errs...)
	}
	return b.compile()
}

type builder struct {
	in        Input
	w         *config.WAF
	rules     []json.RawMessage
	next      int
	fileACL   *waf.WebACL
	ipSets    map[string][]netip.Prefix
	regexSets map[string][]string
	bodies    map[string]waf.CustomResponseBody // the presets' custom response bodies
	errs      []error
}

func (b *builder) fail(format string, args ...any) {
	b.errs = append(b.errs, fmt.Errorf(format, args...))
}

// presets generates each preset at the next free priorities.
func (b *builder) presets() {
	for i, p := range b.w.Presets {
		gen, err := presets.Generate(p.Name, p.Params, presets.Options{Region: b.in.Region, Account: b.w.Account, Priority: b.next})
		if err != nil {
			b.fail("waf.presets[%d]: %w", i, err)
			continue
		}
		b.rules = append(b.rules, gen.Rules...)
		for k, body := range gen.CustomResponseBodies {
			if b.bodies == nil {
				b.bodies = map[string]waf.CustomResponseBody{}
			}
			b.bodies[k] = body
		}
		b.next = gen.LastPriority + 1
		for _, s := range gen.IPSets {
			addrs, err := prefixset.ParsePrefixes(s.Addresses)
			if err != nil {
				b.fail("waf.presets[%d]: ip set %s: %w", i, s.Name, err)
				continue
			}
			b.ipSets[s.Name] = addrs
			if b.in.IPSets != nil {
				b.in.IPSets.SetVersion(s.Name, s.IPAddressVersion)
			}
		}
		for _, s := range gen.RegexPatternSets {
			pats := make([]string, len(s.RegularExpressionList))
			for j, r := range s.RegularExpressionList {
				pats[j] = r.RegexString
			}
			b.regexSets[s.Name] = pats
		}
	}
}

// file loads the web_acl file; its errors carry the file's own JSON paths.
func (b *builder) file() {
	if b.w.WebACL == "" {
		return
	}
	path := b.path(b.w.WebACL)
	data, err := os.ReadFile(path)
	if err != nil {
		b.fail("waf.web_acl: %w", err)
		return
	}
	doc, err := waf.Load(data)
	if err != nil {
		b.fail("%s: %w", path, err)
		return
	}
	if doc.RuleGroup != nil {
		b.fileACL = &waf.WebACL{Name: doc.RuleGroup.Name, Rules: doc.RuleGroup.Rules, CustomResponseBodies: doc.RuleGroup.CustomResponseBodies}
		return
	}
	b.fileACL = doc.WebACL
}

// configSets adds the sets defined in the config, replacing a preset's
// default contents of the same name.
func (b *builder) configSets() {
	for i, s := range b.w.IPSets {
		addrs, err := IPSetAddresses(s, b.in.BaseDir)
		if err != nil {
			b.fail("waf.ip_sets[%d] (%s): %w", i, s.Name, err)
			continue
		}
		b.ipSets[s.Name] = addrs
	}
	for _, s := range b.w.RegexPatternSets {
		b.regexSets[s.Name] = s.Patterns
	}
}

// IPSetAddresses returns a configured IP set's addresses: its list (parsed
// when the config was), then its file's lines (relative to baseDir).
func IPSetAddresses(s config.IPSet, baseDir string) ([]netip.Prefix, error) {
	addrs := s.Addresses
	if s.File != "" {
		path := s.File
		if !filepath.IsAbs(path) && baseDir != "" {
			path = filepath.Join(baseDir, path)
		}
		lines, err := readLines(path)
		if err != nil {
			return nil, err
		}
		more, err := prefixset.ParsePrefixes(lines)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		addrs = append(slices.Clone(addrs), more...)
	}
	return addrs, nil
}

func (b *builder) path(p string) string {
	if filepath.IsAbs(p) || b.in.BaseDir == "" {
		return p
	}
	return filepath.Join(b.in.BaseDir, p)
}

// readLines reads one address per line, skipping blanks and # comments.
func readLines(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out, sc.Err()
}
