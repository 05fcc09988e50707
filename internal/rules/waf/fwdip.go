package waf

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/poolguard/poolguard/internal/edge/clientip"
)

// Positions of IPSetForwardedIPConfig.
const (
	posFirst = iota
	posLast
	posAny
)

// maxForwardedAny is how many addresses Position ANY inspects.
const maxForwardedAny = 10

// fwdConfig is a compiled ForwardedIPConfig or IPSetForwardedIPConfig.
type fwdConfig struct {
	header        string
	fallbackMatch bool
	position      int
}

func (c *compiler) forwardedIP(path, header, fallback, position string, withPosition bool) *fwdConfig {
	f := &fwdConfig{header: http.CanonicalHeaderKey(header)}
	if header == "" {
		c.addf(path+".HeaderName", "missing HeaderName")
	} else if !headerNamePattern.MatchString(header) {
		c.addf(path+".HeaderName", "invalid HeaderName %q", header)
	}
	if fb, ok := c.enum(path, "FallbackBehavior", fallback, "", "MATCH", "NO_MATCH"); ok {
		f.fallbackMatch = fb == "MATCH"
	}
	if withPosition {
		if p, ok := c.enum(path, "Position", position, "", "FIRST", "LAST", "ANY"); ok {
			f.position = map[string]int{"FIRST": posFirst, "LAST": posLast, "ANY": posAny}[p]
		}
	}
	return f
}

// fwdStatus is the outcome of reading a forwarded address.
type fwdStatus int

const (
	fwdOK      fwdStatus = iota
	fwdMissing           // no header: the statement does not apply
	fwdInvalid           // not an IP address: FallbackBehavior decides
)

// first returns the first (or, for posLast, the last) address in the
// header, which lists addresses separated by commas.
func (f *fwdConfig) first(c *evalCtx) (netip.Addr, fwdStatus) {
	h, ok := c.v.HeaderValue(f.header)
	if !ok {
		return netip.Addr{}, fwdMissing
	}
	var s string
	if f.position == posLast {
		if i := strings.LastIndexByte(h, ','); i >= 0 {
			s = h[i+1:]
		} else {
			s = h
		}
	} else {
		s, _, _ = strings.Cut(h, ",")
	}
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}, fwdInvalid
	}
	return clientip.Canonical(a), fwdOK
}

// fallback turns a status into a match result.
func (f *fwdConfig) fallback(st fwdStatus) bool {
	return st == fwdInvalid && f.fallbackMatch
}
