package ipsets

import (
	"maps"
	"net/netip"
	"time"

	"github.com/poolguard/poolguard/internal/ipset"
)

// Build collects the sets a new configuration defines. The sets it returns
// are the registry's own (one *ipset.Set per name, for ever), so a web ACL
// compiled against them follows runtime changes; their config addresses
// change only at Commit, so a build that fails changes nothing.
//
// A Build is not safe for concurrent use.
type Build struct {
	r      *Registry
	static map[string][]netip.Prefix
	sets   map[string]*ipset.Set
}

// Begin starts collecting a configuration's sets.
func (r *Registry) Begin() *Build {
	return &Build{r: r, static: map[string][]netip.Prefix{}, sets: map[string]*ipset.Set{}}
}

// Define declares set name with addresses (AWS IPSet notation) from config
// or a preset, and returns the set to compile against. Every invalid
// address is reported.
func (b *Build) Define(name string, addresses []string) (*ipset.Set, error) {
	prefixes, err := ipset.ParsePrefixes(addresses)
	if err != nil {
		return nil, err
	}
	b.static[name] = prefixes
	b.r.mu.Lock()
	defer b.r.mu.Unlock()
	s := b.sets[name]
	if e := b.r.sets[name]; e != nil {
		s = e.set
	}
	if s == nil {
		s, _ = ipset.New(name, nil)
	}
	b.sets[name] = s
	return s, nil
}

// Sets returns every set a web ACL may reference: those defined in this
// build and the registry's runtime sets.
func (b *Build) Sets() map[string]*ipset.Set {
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
		e.static, e.origin = prefixes, Config
	}
	r.refreshAll(now)
}
