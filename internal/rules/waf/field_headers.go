package waf

import (
	"slices"
	"strings"
)

// Scopes of Headers, Cookies and JsonBody.
const (
	scopeAll = iota
	scopeKey
	scopeValue
)

// AWS WAF inspects at most the first 8 KB or 200 headers (or cookies).
const (
	headersSizeLimit  = 8 * 1024
	headersCountLimit = 200
)

func (c *compiler) scope(path, v string) int {
	v, _ = c.enum(path, "MatchScope", v, "", "ALL", "KEY", "VALUE")
	switch v {
	case "KEY":
		return scopeKey
	case "VALUE":
		return scopeValue
	}
	return scopeAll
}

// nameSelect is a compiled All / Included / Excluded selection.
type nameSelect struct {
	include []string // lowercase; nil means all
	exclude []string // lowercase
}

func (p *nameSelect) selects(name string) bool {
	if p.include != nil {
		return slices.ContainsFunc(p.include, func(s string) bool { return strings.EqualFold(s, name) })
	}
	return !slices.ContainsFunc(p.exclude, func(s string) bool { return strings.EqualFold(s, name) })
}

func (c *compiler) pattern(path string, all *Empty, incl, excl []string, inclName, exclName string) nameSelect {
	path += ".MatchPattern"
	n := 0
	if all != nil {
		n++
	}
	if incl != nil {
		n++
	}
	if excl != nil {
		n++
	}
	if n != 1 {
		c.addf(path, "set exactly one of All, %s, %s", inclName, exclName)
	}
	p := nameSelect{}
	if incl != nil {
		p.include = make([]string, 0, len(incl))
		for _, s := range incl {
			p.include = append(p.include, strings.ToLower(s))
		}
	}
	for _, s := range excl {
		p.exclude = append(p.exclude, strings.ToLower(s))
	}
	return p
}

type fieldHeaders struct {
	pat      nameSelect
	scope    int
	oversize int
}

func (c *compiler) headersField(path string, h *Headers) field {
	if h.MatchPattern == nil {
		c.addf(path+".MatchPattern", "missing MatchPattern")
		return nil
	}
	return &fieldHeaders{
		pat:      c.pattern(path, h.MatchPattern.All, h.MatchPattern.IncludedHeaders, h.MatchPattern.ExcludedHeaders, "IncludedHeaders", "ExcludedHeaders"),
		scope:    c.scope(path, h.MatchScope),
		oversize: c.oversize(path, h.OversizeHandling, ""),
	}
}

// cognitoPseudoHeaders are the headers AWS WAF adds for a web ACL attached
// to a user pool.
var cognitoPseudoHeaders = []string{"x-amzn-cognito-operation-name", "x-amzn-cognito-client-id"}

func (f *fieldHeaders) matches(c *evalCtx, tr chain, insp inspector) bool {
	size, count := 0, 0
	for k, vs := range c.v.Header {
		for _, v := range vs {
			size += len(k) + len(v) + 4
			count++
		}
	}
	if size > headersSizeLimit || count > headersCountLimit {
		switch f.oversize {
		case overMatch:
			return true
		case overNoMatch:
			return false
		}
	}
	for k, vs := range c.v.Header {
		if !f.pat.selects(k) {
			continue
		}
		for _, v := range vs {
			if f.one(c, tr, insp, k, v) {
				return true
			}
		}
	}
	for _, k := range cognitoPseudoHeaders {
		if v, ok := c.v.HeaderValue(k); ok && f.pat.selects(k) && f.one(c, tr, insp, k, v) {
			return true
		}
	}
	return false
}

func (f *fieldHeaders) one(c *evalCtx, tr chain, insp inspector, k, v string) bool {
	if f.scope != scopeValue && check(c, tr, insp, bytesOf(k)) {
		return true
	}
	return f.scope != scopeKey && check(c, tr, insp, bytesOf(v))
}

type fieldCookies struct {
	pat      nameSelect
	scope    int
	oversize int
}

func (c *compiler) cookiesField(path string, h *Cookies) field {
	if h.MatchPattern == nil {
		c.addf(path+".MatchPattern", "missing MatchPattern")
		return nil
	}
	return &fieldCookies{
		pat:      c.pattern(path, h.MatchPattern.All, h.MatchPattern.IncludedCookies, h.MatchPattern.ExcludedCookies, "IncludedCookies", "ExcludedCookies"),
		scope:    c.scope(path, h.MatchScope),
		oversize: c.oversize(path, h.OversizeHandling, ""),
	}
}

func (f *fieldCookies) matches(c *evalCtx, tr chain, insp inspector) bool {
	lines := c.v.Header["Cookie"]
	size, count := 0, 0
	for _, l := range lines {
		size += len(l)
		count += strings.Count(l, ";") + 1
	}
	if size > headersSizeLimit || count > headersCountLimit {
		switch f.oversize {
		case overMatch:
			return true
		case overNoMatch:
			return false
		}
	}
	for _, l := range lines {
		for l != "" {
			var kv string
			kv, l, _ = strings.Cut(l, ";")
			kv = strings.TrimSpace(kv)
			if kv == "" {
				continue
			}
			k, v, _ := strings.Cut(kv, "=")
			if !f.pat.selects(k) {
				continue
			}
			if f.scope != scopeValue && check(c, tr, insp, bytesOf(k)) {
				return true
			}
			if f.scope != scopeKey && check(c, tr, insp, bytesOf(v)) {
				return true
			}
		}
	}
	return false
}
