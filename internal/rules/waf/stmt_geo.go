package waf

import (
	"net/netip"
	"regexp"
	"slices"
)

var countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)

// geoMatch is a GeoMatchStatement. The client IP's country is
// request.View.Country; a forwarded address's is Options.Country's answer.
// An unknown country is "XX".
type geoMatch struct {
	codes   []string
	fwd     *fwdConfig
	country func(netip.Addr) string
}

func (c *compiler) geoMatch(path string, s *GeoMatchStatement) matcher {
	m := &geoMatch{country: c.opts.Country}
	if len(s.CountryCodes) == 0 {
		c.addf(path+".CountryCodes", "list at least one country code")
	}
	for i, cc := range s.CountryCodes {
		if !countryPattern.MatchString(cc) {
			c.addf(path+".CountryCodes["+itoa(i)+"]", "invalid country code %q: want an ISO 3166-1 alpha-2 code such as \"US\"", cc)
		}
	}
	m.codes = slices.Clone(s.CountryCodes)
	if f := s.ForwardedIPConfig; f != nil {
		m.fwd = c.forwardedIP(path+".ForwardedIPConfig", f.HeaderName, f.FallbackBehavior, "", false)
	}
	return m
}

func (m *geoMatch) match(c *evalCtx) bool {
	cc := c.v.Country
	if m.fwd != nil {
		a, st := m.fwd.first(c)
		if st != fwdOK {
			return m.fwd.fallback(st)
		}
		cc = ""
		if m.country != nil {
			cc = m.country(a)
		}
	}
	if cc == "" {
		cc = "XX"
	}
	return slices.Contains(m.codes, cc)
}
