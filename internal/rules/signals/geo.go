package signals

import (
	"fmt"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"
)

// Geo label prefixes, as AWS WAF adds them to every request.
const (
	GeoCountryPrefix = "awswaf:clientip:geo:country:"
	GeoRegionPrefix  = "awswaf:clientip:geo:region:"
)

// Geo answers the country and subdivision of an address from a
// MaxMind-format database (GeoLite2 or GeoIP2 Country/City, DB-IP Lite).
//
// Lookup is safe for concurrent use with Reload, which swaps in a new
// database when the file changed; the file is read into memory (not
// mapped), so an old database stays valid while lookups still use it.
type Geo struct {
	path    string
	db      atomic.Pointer[maxminddb.Reader]
	country sync.Map // country label by code, so lookups do not build them
	region  sync.Map // region label by "CC-SUB"

	mu      sync.Mutex // serialises Reload
	modTime time.Time
	size    int64
}

// geoRecord is the part of a country or city record that Geo reads.
type geoRecord struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	Subdivisions []struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"subdivisions"`
}

// OpenGeo loads the database at path.
func OpenGeo(path string) (*Geo, error) {
	g := &Geo{path: path}
	if _, err := g.Reload(); err != nil {
		return nil, err
	}
	return g, nil
}

// Reload reads the database again if the file's size or modification
// time changed, and reports whether it did. On error the loaded database
// is kept.
func (g *Geo) Reload() (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	fi, err := os.Stat(g.path)
	if err != nil {
		return false, fmt.Errorf("geo database: %w", err)
	}
	if g.db.Load() != nil && fi.ModTime().Equal(g.modTime) && fi.Size() == g.size {
		return false, nil
	}
	data, err := os.ReadFile(g.path)
	if err != nil {
		return false, fmt.Errorf("geo database: %w", err)
	}
	db, err := maxminddb.OpenBytes(data)
	if err != nil {
		return false, fmt.Errorf("geo database %s: %w", g.path, err)
	}
	g.db.Store(db)
	g.modTime, g.size = fi.ModTime(), fi.Size()
	return true, nil
}

// Lookup returns the ISO 3166-1 alpha-2 country code of a and the ISO
// 3166-2 code of its first (largest) subdivision without the country
// part, e.g. ("US", "CA"); empty strings when unknown.
func (g *Geo) Lookup(a netip.Addr) (country, region string) {
	db := g.db.Load()
	if db == nil || !a.IsValid() {
		return "", ""
	}
	var rec geoRecord
	if err := db.Lookup(a.Unmap()).Decode(&rec); err != nil {
		return "", ""
	}
	country = rec.Country.ISOCode
	if len(rec.Subdivisions) > 0 {
		region = rec.Subdivisions[0].ISOCode
	}
	return country, region
}

// Country returns a's country code, or "" when unknown.
func (g *Geo) Country(a netip.Addr) string {
	c, _ := g.Lookup(a)
	return c
}

// AppendLabels appends a's geo labels to dst, as AWS WAF names them:
// awswaf:clientip:geo:country:<CC> and awswaf:clientip:geo:region:<CC>-<SUB>.
// It returns dst and the country code ("" when unknown).
func (g *Geo) AppendLabels(dst []string, a netip.Addr) ([]string, string) {
	cc, sub := g.Lookup(a)
	if cc == "" {
		return dst, ""
	}
	dst = append(dst, cachedLabel(&g.country, GeoCountryPrefix, cc))
	if sub != "" {
		dst = append(dst, cachedLabel(&g.region, GeoRegionPrefix, cc+"-"+sub))
	}
	return dst, cc
}

// cachedLabel returns prefix+code from m, a cache of the (few thousand)
// codes seen.
func cachedLabel(m *sync.Map, prefix, code string) string {
	if v, ok := m.Load(code); ok {
		return v.(string)
	}
	l := prefix + code
	m.Store(code, l)
	return l
}
