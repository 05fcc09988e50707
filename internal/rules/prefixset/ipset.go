// Package prefixset holds IP sets (IPv4 and IPv6 prefixes) for the web ACL's
// IPSetReferenceStatement, stored as prefix tables so that a membership test
// costs a few memory reads whatever the size of the set.
package prefixset

import (
	"fmt"
	"net/netip"
	"strings"
	"sync/atomic"

	"github.com/gaissmai/bart"
)

// Set is a named set of IPv4 and IPv6 prefixes.
//
// Contains is lock-free and safe for concurrent use with itself and with
// Replace: a Replace builds a new table and swaps it in atomically, so a
// reader sees either the old contents or the new, never a mix.
// The zero value is not usable; build a Set with New or Parse.
type Set struct {
	name  string
	table atomic.Pointer[bart.Lite]
}

// New returns a set named name holding prefixes.
func New(name string, prefixes []netip.Prefix) (*Set, error) {
	s := &Set{name: name}
	t, err := build(name, prefixes)
	if err != nil {
		return nil, err
	}
	s.table.Store(t)
	return s, nil
}

// Parse returns a set named name holding the addresses given in AWS's
// IPSet notation: CIDR blocks such as "192.0.2.0/24" or "2001:db8::/32".
// A bare address is taken as a single-host prefix. Every invalid entry is
// reported, each by its index and text.
func Parse(name string, addresses []string) (*Set, error) {
	prefixes, err := ParsePrefixes(addresses)
	if err != nil {
		return nil, fmt.Errorf("ip set %q: %w", name, err)
	}
	return New(name, prefixes)
}

// ParsePrefixes parses addresses in AWS's IPSet notation (see Parse).
// The error, if any, names every invalid entry.
func ParsePrefixes(addresses []string) ([]netip.Prefix, error) {
	prefixes := make([]netip.Prefix, 0, len(addresses))
	var bad []string
	for i, a := range addresses {
		p, err := ParsePrefix(strings.TrimSpace(a))
		if err != nil {
			bad = append(bad, fmt.Sprintf("Addresses[%d] %q: %v", i, a, err))
			continue
		}
		prefixes = append(prefixes, p)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("bad CIDR: %s", strings.Join(bad, "; "))
	}
	return prefixes, nil
}

// ParsePrefix parses a CIDR or a bare address (as a /32 or /128); IPv4-mapped
// IPv6 addresses become IPv4.
func ParsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if p.Addr().Is4In6() {
		bits := p.Bits() - 96
		if bits < 0 {
			return netip.Prefix{}, fmt.Errorf("IPv4-mapped prefix shorter than /96")
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), bits)
	}
	return p.Masked(), nil
}

func build(name string, prefixes []netip.Prefix) (*bart.Lite, error) {
	t := new(bart.Lite)
	for i, p := range prefixes {
		if !p.IsValid() {
			return nil, fmt.Errorf("ip set %q: prefix %d (%v) is not a valid CIDR", name, i, p)
		}
		t.Insert(p.Masked())
	}
	return t, nil
}

// Name returns the set's name.
func (s *Set) Name() string { return s.name }

// Contains reports whether addr is inside any prefix of the set.
// IPv4-mapped IPv6 addresses are matched as IPv4.
func (s *Set) Contains(addr netip.Addr) bool {
	if !addr.IsValid() {
		return false
	}
	return s.table.Load().Contains(addr.Unmap())
}

// Replace swaps the set's contents for prefixes atomically. On error the
// set keeps its previous contents.
func (s *Set) Replace(prefixes []netip.Prefix) error {
	t, err := build(s.name, prefixes)
	if err != nil {
		return err
	}
	s.table.Store(t)
	return nil
}

// Len returns the number of prefixes in the set.
func (s *Set) Len() int {
	return s.table.Load().Size()
}
