package waf

import (
	"net/netip"
	"strings"

	"github.com/poolguard/poolguard/internal/edge/clientip"
	"github.com/poolguard/poolguard/internal/rules/prefixset"
)

// ipSetMatch is an IPSetReferenceStatement.
type ipSetMatch struct {
	set *prefixset.Set
	fwd *fwdConfig
}

func (c *compiler) ipSetReference(path string, s *IPSetReferenceStatement) matcher {
	m := &ipSetMatch{}
	if name, ok := c.arnName(path+".ARN", s.ARN, "ipset"); ok {
		if m.set = c.opts.IPSets[name]; m.set == nil {
			c.addf(path+".ARN", "IP set %q not found (known: %s)", name, enumList(c.opts.IPSets))
		}
	}
	if f := s.IPSetForwardedIPConfig; f != nil {
		m.fwd = c.forwardedIP(path+".IPSetForwardedIPConfig", f.HeaderName, f.FallbackBehavior, f.Position, true)
	}
	if m.set == nil {
		return nil
	}
	return m
}

func (m *ipSetMatch) match(c *evalCtx) bool {
	if m.fwd == nil {
		return m.set.Contains(c.v.ClientIP)
	}
	if m.fwd.position != posAny {
		a, st := m.fwd.first(c)
		if st != fwdOK {
			return m.fwd.fallback(st)
		}
		return m.set.Contains(a)
	}
	h, ok := c.v.HeaderValue(m.fwd.header)
	if !ok {
		return false
	}
	invalid := false
	for i := 0; i < maxForwardedAny && h != ""; i++ {
		var s string
		s, h, _ = strings.Cut(h, ",")
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			invalid = true
			continue
		}
		if m.set.Contains(clientip.Canonical(a)) {
			return true
		}
	}
	return invalid && m.fwd.fallbackMatch
}
