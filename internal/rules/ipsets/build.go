package ipsets

import (
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/poolguard/poolguard/internal/rules/prefixset"
)

// Build collects the sets a new configuration defines. The sets it returns
// are the registry's own (one *prefixset.Set per name, for ever), so a web ACL
// compiled against them follows runtime changes; their config addresses
// change only at Commit, so a build that fails changes nothing.
//
// A Build is not safe for concurrent use.
type Build struct {
	r        *Registry
	static   map[string][]netip.Prefix
	sets     map[string]*prefixset.Set
	versions map[string]string
}

// Begin starts collecting a configuration's sets.
func (r *Registry) Begin() *Build {
	return &Build{r: r, static: map[string][]netip.Prefix{}, sets: map[string]*prefixset.Set{}, versions: map[string]string{}}
}

// SetVersion declares set name's address family, "IPV4" or "IPV6", as an
// AWS IPSet's IPAddressVersion does (a preset's sets have one). A set
// without one takes the family of its config addresses when they share
// one, and accepts either otherwise.
func (b *Build) SetVersion(name, version string) { b.versions[name] = version }

// Define declares set name with prefixes from config or a preset, and
// returns the set to compile against.
func (b *Build) Define(name string, prefixes []netip.Prefix) *prefixset.Set {
	b.static[name] = prefixes
	b.r.mu.Lock()
	defer b.r.mu.Unlock()
	s := b.sets[name]
	if e := b.r.sets[name]; e != nil {
		s = e.set
	}
	if s == nil {
		s, _ = prefixset.New(name, nil)
	}
	b.sets[name] = s
	return s
}

// Sets returns every set a web ACL may reference: those defined in this
// build and the registry's runtime sets.
func (b *Build) Sets() map[string]*prefixset.Set {
	out := maps.Clone(b.sets)
	b.r.mu.Lock()
	defer b.r.mu.Unlock()
	for name, e := range b.r.sets {
		if _, ok := out[name]; !ok {
			out[name] = e.set
		}
	}
	return out
}

// Commit makes the build's config addresses current, at now. Sets the
// previous configuration defined and this one does not become runtime sets
// (emptied of config addresses) if they have runtime entries, and are
// dropped otherwise.
func (b *Build) Commit(now time.Time) {
	r := b.r
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, e := range r.sets {
		if _, ok := b.static[name]; ok {
			continue
		}
		if _, rt := r.state[name]; rt {
			e.static, e.origin = nil, Runtime
		} else {
			delete(r.sets, name)
		}
	}
	for name, prefixes := range b.static {
		e := r.sets[name]
		if e == nil {
			e = &entry{set: b.sets[name]}
			r.sets[name] = e
		}
		e.static, e.origin, e.version = prefixes, Config, b.versions[name]
		if e.version == "" {
			e.version = familyOf(prefixes)
		}
	}
	r.refreshAll(now)
}

// familyOf is "IPV4" or "IPV6" when every prefix is of that family, else "".
func familyOf(prefixes []netip.Prefix) string {
	v4, v6 := false, false
	for _, p := range prefixes {
		v4, v6 = v4 || p.Addr().Is4(), v6 || !p.Addr().Is4()
	}
	switch {
	case v4 && !v6:
		return "IPV4"
	case v6 && !v4:
		return "IPV6"
	}
	return ""
}

// Lookup returns set name's origin and address family ("IPV4", "IPV6", or
// "" for either), and whether the set exists.
func (r *Registry) Lookup(name string) (origin Origin, version string, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.sets[name]
	if e == nil {
		return "", "", false
	}
	return e.origin, e.version, true
}

// Names returns the names of the sets of origin o, sorted.
func (r *Registry) Names(o Origin) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for name, e := range r.sets {
		if e.origin == o {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
