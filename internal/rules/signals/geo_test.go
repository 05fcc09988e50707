package signals

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// writeGeoDB writes a small City-shaped database mapping each CIDR to
// [country, subdivision].
func writeGeoDB(t testing.TB, path string, nets map[string][2]string) {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-City", RecordSize: 24, IPVersion: 6, IncludeReservedNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, loc := range nets {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		rec := mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String(loc[0])}}
		if loc[1] != "" {
			rec["subdivisions"] = mmdbtype.Slice{mmdbtype.Map{"iso_code": mmdbtype.String(loc[1])}}
		}
		if err := tree.Insert(n, rec); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestGeoLabelsAndReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "city.mmdb")
	writeGeoDB(t, path, map[string][2]string{"81.2.69.0/24": {"GB", "ENG"}, "2001:db8::/32": {"US", "CA"}, "1.0.0.0/24": {"AU", ""}})
	g, err := OpenGeo(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ip   string
		want []string
		cc   string
	}{
		{"81.2.69.160", []string{"awswaf:clientip:geo:country:GB", "awswaf:clientip:geo:region:GB-ENG"}, "GB"},
		{"2001:db8::1", []string{"awswaf:clientip:geo:country:US", "awswaf:clientip:geo:region:US-CA"}, "US"},
		{"1.0.0.1", []string{"awswaf:clientip:geo:country:AU"}, "AU"},
		{"::ffff:81.2.69.1", []string{"awswaf:clientip:geo:country:GB", "awswaf:clientip:geo:region:GB-ENG"}, "GB"},
		{"10.0.0.1", nil, ""},
	} {
		got, cc := g.AppendLabels(nil, netip.MustParseAddr(tc.ip))
		if !slices.Equal(got, tc.want) || cc != tc.cc {
			t.Errorf("%s: got %v %q, want %v %q", tc.ip, got, cc, tc.want, tc.cc)
		}
	}
	// A broken file is refused and the loaded database kept.
	later := time.Now().Add(time.Hour)
	if err := os.WriteFile(path, []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.Chtimes(path, later, later)
	if _, err := g.Reload(); err == nil {
		t.Fatal("a broken database was accepted")
	}
	if g.Country(netip.MustParseAddr("81.2.69.1")) != "GB" {
		t.Fatal("the loaded database was dropped")
	}
	// A new database is picked up.
	writeGeoDB(t, path, map[string][2]string{"81.2.69.0/24": {"IE", "D"}})
	_ = os.Chtimes(path, later.Add(time.Minute), later.Add(time.Minute))
	if changed, err := g.Reload(); err != nil || !changed {
		t.Fatalf("reload: %v %v", changed, err)
	}
	if got := g.Country(netip.MustParseAddr("81.2.69.1")); got != "IE" {
		t.Errorf("after reload: %q", got)
	}
	if changed, _ := g.Reload(); changed {
		t.Error("an unchanged file was reloaded")
	}
}
