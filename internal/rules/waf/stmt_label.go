package waf

import "strings"

// ProxyLabelNamespace starts the labels that the proxy's own stages add to
// a request before the web ACL evaluates it; a LabelMatchStatement key in
// it is fully qualified, like "awswaf:".
const ProxyLabelNamespace = "poolguard:"

// labelMatch is a LabelMatchStatement. A key that starts with "awswaf:" is
// fully qualified and compared as it is; so is one in poolguard's own
// namespace, "poolguard:", which the proxy's request stages write before
// the web ACL runs (package phone's "poolguard:phone:region:JM"). Any
// other key is taken to be in the namespace of the web ACL (or rule group)
// the statement is in, as AWS WAF does, and gets its prefix.
type labelMatch struct {
	key       string
	namespace bool
}

func (c *compiler) labelMatch(path string, s *LabelMatchStatement) matcher {
	m := &labelMatch{}
	scope, _ := c.enum(path, "Scope", s.Scope, "", "LABEL", "NAMESPACE")
	m.namespace = scope == "NAMESPACE"
	switch {
	case s.Key == "":
		c.addf(path+".Key", "missing Key")
		return nil
	case !labelPattern.MatchString(s.Key):
		c.addf(path+".Key", "invalid label key %q: use letters, digits, '_', '-' and ':'", s.Key)
		return nil
	case m.namespace && !strings.HasSuffix(s.Key, ":"):
		c.addf(path+".Key", "a NAMESPACE key must end with ':', got %q", s.Key)
		return nil
	case !m.namespace && strings.HasSuffix(s.Key, ":"):
		c.addf(path+".Key", "a LABEL key must not end with ':', got %q (use Scope NAMESPACE)", s.Key)
		return nil
	}
	m.key = s.Key
	if !strings.HasPrefix(s.Key, "awswaf:") && !strings.HasPrefix(s.Key, ProxyLabelNamespace) {
		m.key = c.ns + s.Key
	}
	c.labelReads = append(c.labelReads, m)
	return m
}

func (m *labelMatch) match(c *evalCtx) bool {
	for _, l := range c.out.Labels {
		if m.matchLabel(l) {
			return true
		}
	}
	return false
}

// matchLabel reports whether the fully-qualified label l matches.
func (m *labelMatch) matchLabel(l string) bool {
	if m.namespace {
		return strings.HasPrefix(l, m.key)
	}
	return l == m.key
}
