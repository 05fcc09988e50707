package waf

import "regexp"

// regexMatch is a RegexMatchStatement or RegexPatternSetReferenceStatement
// (the set's patterns joined into one alternation). Patterns use Go's RE2
// syntax.
type regexMatch struct {
	f  field
	tr chain
	re *regexp.Regexp
}

func (c *compiler) regexMatch(path string, s *RegexMatchStatement) matcher {
	m := &regexMatch{}
	if s.RegexString == "" {
		c.addf(path+".RegexString", "missing RegexString")
	} else if re, err := regexp.Compile(s.RegexString); err != nil {
		c.addf(path+".RegexString", "invalid regular expression %q (Go RE2 syntax): %v", s.RegexString, err)
	} else {
		m.re = re
	}
	m.f = c.fieldToMatch(path, s.FieldToMatch)
	m.tr = c.transformations(path, s.TextTransformations)
	if m.f == nil || m.re == nil {
		return nil
	}
	return m
}

func (m *regexMatch) match(c *evalCtx) bool { return m.f.matches(c, m.tr, m) }

func (m *regexMatch) inspect(_ *evalCtx, v []byte) bool { return m.re.Match(v) }
