package prefixset

import (
	"net/netip"
	"strings"
	"testing"
)

func TestContains(t *testing.T) {
	s, err := Parse("mixed", []string{"192.0.2.0/24", "2001:db8::/32", "198.51.100.7", "::ffff:203.0.113.0/120"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ip   string
		want bool
	}{
		{"192.0.2.1", true},
		{"192.0.3.1", false},
		{"2001:db8::1", true},
		{"2001:db9::1", false},
		{"198.51.100.7", true},
		{"198.51.100.8", false},
		{"::ffff:192.0.2.9", true},
		{"203.0.113.200", true},
	}
	for _, tt := range tests {
		if got := s.Contains(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("Contains(%s) = %v, want %v", tt.ip, got, tt.want)
		}
	}
	if s.Contains(netip.Addr{}) {
		t.Error("Contains(invalid) = true")
	}
	if s.Len() != 4 {
		t.Errorf("Len = %d, want 4", s.Len())
	}
}

func TestParseErrorsNameEveryBadEntry(t *testing.T) {
	_, err := Parse("deny", []string{"192.0.2.0/24", "10.0.0.0/33", "nope"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`ip set "deny"`, `Addresses[1] "10.0.0.0/33"`, `Addresses[2] "nope"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestReplace(t *testing.T) {
	s, err := New("s", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	if err != nil {
		t.Fatal(err)
	}
	ip := netip.MustParseAddr("10.1.2.3")
	if !s.Contains(ip) {
		t.Fatal("before: want true")
	}
	if err := s.Replace([]netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}); err != nil {
		t.Fatal(err)
	}
	if s.Contains(ip) {
		t.Fatal("after: want false")
	}
	if err := s.Replace([]netip.Prefix{{}}); err == nil {
		t.Fatal("Replace(invalid) = nil error")
	}
	if !s.Contains(netip.MustParseAddr("192.0.2.5")) {
		t.Fatal("failed Replace changed contents")
	}
}
