package signals

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestParseList(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format Format
		in     string
		want   []string
	}{
		{"cidr", FormatCIDR, "# comment\n192.0.2.0/24\n\n198.51.100.7 # host\n2001:db8::/32\n", []string{"192.0.2.0/24", "198.51.100.7/32", "2001:db8::/32"}},
		{"netset masks", FormatNetset, "#\n# firehol_level1\n#\n203.0.113.9/24\n", []string{"203.0.113.0/24"}},
		{"spamhaus drop", FormatSpamhaus, "; Spamhaus DROP List 2024/01/01\n; Last-Modified: x\n1.10.16.0/20 ; SBL256894\n1.19.0.0/16 ; SBL434604\n", []string{"1.10.16.0/20", "1.19.0.0/16"}},
		{"spamhaus json", FormatSpamhaus, `{"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}` + "\n" + `{"type":"metadata","timestamp":1,"size":2,"records":1}` + "\n", []string{"1.10.16.0/20"}},
		{"tor bulk", FormatTor, "171.25.193.20\n185.220.101.1\n", []string{"171.25.193.20/32", "185.220.101.1/32"}},
		{"tor exit-addresses", FormatTor, "ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nPublished 2024-01-01 00:00:00\nLastStatus 2024-01-01 01:00:00\nExitAddress 162.247.74.201 2024-01-01 01:00:00\n", []string{"162.247.74.201/32"}},
		{"mapped v4", FormatCIDR, "::ffff:192.0.2.1\n", []string{"192.0.2.1/32"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseList([]byte(tc.in), tc.format)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, p := range got {
				s = append(s, p.String())
			}
			if !slices.Equal(s, tc.want) {
				t.Errorf("got %v, want %v", s, tc.want)
			}
		})
	}
}

func TestParseListRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "no entries"},
		{"comments only", "# nothing\n", "no entries"},
		{"html error page", "<html><body>502 Bad Gateway</body></html>\n", "unparsable"},
		{"truncated line", "192.0.2.0/24\n198.51.1", "line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseList([]byte(tc.in), FormatCIDR)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func FuzzParseList(f *testing.F) {
	f.Add([]byte("192.0.2.0/24\n# x\n"), 0)
	f.Add([]byte("1.10.16.0/20 ; SBL256894\n"), 2)
	f.Add([]byte("ExitAddress 162.247.74.201 2024-01-01 01:00:00\n"), 3)
	f.Fuzz(func(t *testing.T, data []byte, fi int) {
		f := Formats[(fi%len(Formats)+len(Formats))%len(Formats)]
		ps, err := ParseList(data, f)
		if err == nil && len(ps) == 0 {
			t.Fatal("no error and no entries")
		}
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("bad prefix %v", p)
			}
		}
	})
}

var _ = netip.Prefix{}
