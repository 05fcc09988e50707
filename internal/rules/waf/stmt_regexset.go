package waf

import (
	"regexp"
	"strings"
)

func (c *compiler) regexSetReference(path string, s *RegexPatternSetReferenceStatement) matcher {
	m := &regexMatch{}
	if name, ok := c.arnName(path+".ARN", s.ARN, "regexpatternset"); ok {
		patterns, found := c.opts.RegexPatternSets[name]
		switch {
		case !found:
			c.addf(path+".ARN", "regex pattern set %q not found (known: %s)", name, enumList(c.opts.RegexPatternSets))
		case len(patterns) == 0:
			c.addf(path+".ARN", "regex pattern set %q is empty", name)
		default:
			m.re = c.patternSet(path+".ARN", name, patterns)
		}
	}
	m.f = c.fieldToMatch(path, s.FieldToMatch)
	m.tr = c.transformations(path, s.TextTransformations)
	if m.f == nil || m.re == nil {
		return nil
	}
	return m
}

// patternSet compiles a regex pattern set into one alternation, reporting
// every invalid pattern.
func (c *compiler) patternSet(path, name string, patterns []string) *regexp.Regexp {
	ok := true
	var b strings.Builder
	for i, p := range patterns {
		if _, err := regexp.Compile(p); err != nil {
			c.addf(path, "regex pattern set %q: pattern %d %q is invalid (Go RE2 syntax): %v", name, i, p, err)
			ok = false
			continue
		}
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString("(?:" + p + ")")
	}
	if !ok {
		return nil
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		c.addf(path, "regex pattern set %q: %v", name, err)
		return nil
	}
	return re
}
