// Package clientip determines a request's client address from its TCP peer
// and, only when the peer is a trusted proxy, from X-Forwarded-For, in one
// canonical form (IPv4-mapped IPv6 unmapped, IPv6 zone dropped), and turns
// it into a rate key (AppendKey), optionally aggregating IPv6 addresses to
// their network prefix.
package clientip

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/gaissmai/bart"
)

// Resolver finds client addresses. It is immutable after New and safe for
// concurrent use. The zero value trusts no proxy.
type Resolver struct {
	trusted *bart.Lite
}

// New returns a Resolver that trusts X-Forwarded-For from peers in trusted.
func New(trusted []netip.Prefix) *Resolver {
	t := new(bart.Lite)
	for _, p := range trusted {
		t.Insert(p.Masked())
	}
	return &Resolver{trusted: t}
}

// Trusted reports whether a is a trusted proxy.
func (r *Resolver) Trusted(a netip.Addr) bool {
	return r != nil && r.trusted != nil && r.trusted.Lookup(Canonical(a))
}

// Canonical returns a as a client address: an IPv4-mapped IPv6 address as
// its IPv4 address, and an IPv6 address without its zone ("fe80::1%eth0"
// is fe80::1). A zone names an interface of the host that wrote it; it is
// no part of who the client is, and keeping it would let one address take
// as many rate keys and log identities as it has zone spellings.
func Canonical(a netip.Addr) netip.Addr {
	return a.Unmap().WithZone("")
}

// AppendKey appends the rate key of client address a to b: the address
// itself, or, for an IPv6 address when v6Bits is between 1 and 127, its
// network prefix of that length in CIDR form ("2001:db8:1:2::/64"), so
// that every address of one network shares one key. A /64 is what one
// subscriber or host is usually given: rotating addresses inside it must
// not buy more requests. a is made Canonical first.
func AppendKey(b []byte, a netip.Addr, v6Bits int) []byte {
	a = Canonical(a)
	if !a.Is6() || v6Bits <= 0 || v6Bits >= 128 {
		return a.AppendTo(b)
	}
	p, _ := a.Prefix(v6Bits)
	b = p.Addr().AppendTo(b)
	b = append(b, '/')
	return strconv.AppendInt(b, int64(v6Bits), 10)
}

// ClientIP returns the client address for a request from peer carrying the
// X-Forwarded-For header values xff. An untrusted peer is the client,
// whatever the header says. For a trusted peer, the header is read from the
// right and the first address that is not itself a trusted proxy is the
// client; if every address is trusted, the left-most one is. A malformed
// entry ends the walk at the last trusted hop, since nothing to its left
// can be attributed.
func (r *Resolver) ClientIP(peer netip.Addr, xff []string) netip.Addr {
	client := Canonical(peer)
	if !r.Trusted(client) {
		return client
	}
	for i := len(xff) - 1; i >= 0; i-- {
		hops := xff[i]
		for hops != "" {
			var hop string
			if j := strings.LastIndexByte(hops, ','); j >= 0 {
				hop, hops = hops[j+1:], hops[:j]
			} else {
				hop, hops = hops, ""
			}
			a, ok := parseHop(hop)
			if !ok {
				return client
			}
			client = a
			if !r.Trusted(a) {
				return a
			}
		}
	}
	return client
}

// parseHop parses one X-Forwarded-For entry: an address, possibly with a
// port, possibly bracketed (IPv6), returned Canonical.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return netip.Addr{}, false
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return Canonical(a), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return Canonical(ap.Addr()), true
	}
	return netip.Addr{}, false
}

// FirstForwarded returns the left-most parseable X-Forwarded-For address,
// whatever the peer (AWS WAF's "forwarded IP", which rules may opt into).
func FirstForwarded(xff []string) netip.Addr {
	for _, h := range xff {
		first, _, _ := strings.Cut(h, ",")
		if a, ok := parseHop(first); ok {
			return a
		}
	}
	return netip.Addr{}
}
