package clientip

import (
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	r := New([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")})
	tests := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no header", "203.0.113.5", nil, "203.0.113.5"},
		{"untrusted peer spoofs", "203.0.113.5", []string{"1.2.3.4"}, "203.0.113.5"},
		{"trusted peer", "10.0.0.1", []string{"198.51.100.7"}, "198.51.100.7"},
		{"right-most untrusted", "10.0.0.1", []string{"6.6.6.6, 198.51.100.7, 10.0.0.2"}, "198.51.100.7"},
		{"spoofed left part ignored", "10.0.0.1", []string{"1.1.1.1", "198.51.100.7"}, "198.51.100.7"},
		{"all trusted", "10.0.0.1", []string{"10.0.0.3, 10.0.0.2"}, "10.0.0.3"},
		{"trusted peer, no header", "10.0.0.1", nil, "10.0.0.1"},
		{"garbage stops at last trusted", "10.0.0.1", []string{"1.1.1.1, junk, 10.0.0.9"}, "10.0.0.9"},
		{"port and brackets", "10.0.0.1", []string{"[2001:db8::1]:443"}, "2001:db8::1"},
		{"ipv4 with port", "10.0.0.1", []string{"198.51.100.7:5555"}, "198.51.100.7"},
		{"mapped peer", "::ffff:10.0.0.1", []string{"198.51.100.7"}, "198.51.100.7"},
		// An IPv4-mapped IPv6 address is the IPv4 client, so rules, rate
		// keys and token bindings see one client, not two.
		{"mapped untrusted peer", "::ffff:203.0.113.5", nil, "203.0.113.5"},
		{"mapped untrusted peer spoofs", "::ffff:203.0.113.5", []string{"1.2.3.4"}, "203.0.113.5"},
		{"mapped trusted peer, no header", "::ffff:10.0.0.1", nil, "10.0.0.1"},
		{"mapped hop", "10.0.0.1", []string{"::ffff:198.51.100.7"}, "198.51.100.7"},
		{"mapped hop with port", "10.0.0.1", []string{"[::ffff:198.51.100.7]:443"}, "198.51.100.7"},
		{"mapped trusted hop skipped", "10.0.0.1", []string{"198.51.100.7, ::ffff:10.0.0.2"}, "198.51.100.7"},
		{"mapped hops all trusted", "10.0.0.1", []string{"::ffff:10.0.0.3"}, "10.0.0.3"},
		{"v6 trusted", "fd00::1", []string{"2001:db8::2"}, "2001:db8::2"},
		// A zone is no part of the client: one address must not become
		// many rate keys by its zone spellings.
		{"zoned untrusted peer", "fe80::1%eth0", nil, "fe80::1"},
		{"zoned trusted peer", "fd00::1%eth0", []string{"2001:db8::2"}, "2001:db8::2"},
		{"zoned hop", "10.0.0.1", []string{"fe80::2%25"}, "fe80::2"},
		{"zoned hop, other spelling", "10.0.0.1", []string{"fe80::2%lo0"}, "fe80::2"},
		{"zoned hop with port", "10.0.0.1", []string{"[2001:db8::3%x]:443"}, "2001:db8::3"},
		{"zoned trusted hop skipped", "10.0.0.1", []string{"198.51.100.7, fd00::9%eth1"}, "198.51.100.7"},
		{"mapped zoned hop", "10.0.0.1", []string{"::ffff:198.51.100.7%1"}, "198.51.100.7"},
		{"empty entries", "10.0.0.1", []string{""}, "10.0.0.1"},
		// An empty entry left of the client hides nothing: the walk
		// stops at the right-most untrusted address before reaching it.
		{"leading comma", "10.0.0.1", []string{",198.51.100.7"}, "198.51.100.7"},
		{"leading comma, trusted hop", "10.0.0.1", []string{",198.51.100.7, 10.0.0.2"}, "198.51.100.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.ClientIP(netip.MustParseAddr(tt.peer), tt.xff)
			if got.String() != tt.want {
				t.Fatalf("ClientIP = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestZeroResolverTrustsNobody(t *testing.T) {
	var r *Resolver
	if got := r.ClientIP(netip.MustParseAddr("10.0.0.1"), []string{"1.2.3.4"}); got.String() != "10.0.0.1" {
		t.Fatalf("got %s", got)
	}
}

func TestFirstForwarded(t *testing.T) {
	if got := FirstForwarded([]string{"junk", "1.2.3.4, 5.6.7.8"}); got.String() != "1.2.3.4" {
		t.Fatalf("got %s", got)
	}
	if got := FirstForwarded([]string{"::ffff:1.2.3.4, 5.6.7.8"}); got.String() != "1.2.3.4" {
		t.Fatalf("mapped: got %s", got)
	}
}

func FuzzClientIP(f *testing.F) {
	r := New([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	f.Add("1.2.3.4, 10.0.0.2")
	f.Add("[::1]:80,,")
	f.Add("fe80::1%eth0, ::ffff:1.2.3.4%x")
	f.Fuzz(func(t *testing.T, xff string) {
		got := r.ClientIP(netip.MustParseAddr("10.0.0.1"), []string{xff})
		if !got.IsValid() || got.Zone() != "" || got.Is4In6() {
			t.Fatalf("ClientIP = %v for %q; want a valid, canonical address", got, xff)
		}
	})
}

func TestTrusted(t *testing.T) {
	r := New([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	for addr, want := range map[string]bool{
		"10.0.0.1": true, "::ffff:10.0.0.1": true, "11.0.0.1": false, "::ffff:11.0.0.1": false, "::1": false,
	} {
		if got := r.Trusted(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Trusted(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestTrustedZoned(t *testing.T) {
	r := New([]netip.Prefix{netip.MustParsePrefix("fd00::/8")})
	if !r.Trusted(netip.MustParseAddr("fd00::1%eth0")) {
		t.Fatal("a trusted proxy's zoned address is not trusted")
	}
}

func TestAppendKey(t *testing.T) {
	tests := []struct {
		addr string
		bits int
		want string
	}{
		{"2001:db8:1:2:aaaa::1", 64, "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", 64, "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", 64, "2001:db8:1:3::/64"},
		{"2001:db8:1:2:aaaa::1%eth0", 64, "2001:db8:1:2::/64"},
		{"2001:db8:1:2:aaaa::1", 48, "2001:db8:1::/48"},
		{"2001:db8:1:2:aaaa::1", 128, "2001:db8:1:2:aaaa::1"},
		{"2001:db8:1:2:aaaa::1", 0, "2001:db8:1:2:aaaa::1"},
		{"fe80::1%eth0", 0, "fe80::1"},
		// IPv4 addresses, mapped or not, are never aggregated.
		{"198.51.100.7", 64, "198.51.100.7"},
		{"::ffff:198.51.100.7", 64, "198.51.100.7"},
		{"::ffff:198.51.100.7%z", 64, "198.51.100.7"},
	}
	for _, tt := range tests {
		if got := string(AppendKey(nil, netip.MustParseAddr(tt.addr), tt.bits)); got != tt.want {
			t.Errorf("AppendKey(%s, %d) = %s; want %s", tt.addr, tt.bits, got, tt.want)
		}
	}
}
