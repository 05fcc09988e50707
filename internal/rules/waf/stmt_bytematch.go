package waf

import "bytes"

// Positional constraints.
const (
	posExactly = iota
	posStartsWith
	posEndsWith
	posContains
	posContainsWord
)

var positions = map[string]int{
	"EXACTLY": posExactly, "STARTS_WITH": posStartsWith, "ENDS_WITH": posEndsWith,
	"CONTAINS": posContains, "CONTAINS_WORD": posContainsWord,
}

// byteMatch is a ByteMatchStatement. Matching is case-sensitive; use a
// LOWERCASE transformation to ignore case.
type byteMatch struct {
	f      field
	tr     chain
	search []byte
	pos    int
}

func (c *compiler) byteMatch(path string, s *ByteMatchStatement) matcher {
	m := &byteMatch{search: []byte(s.SearchString)}
	if s.SearchString == "" {
		c.addf(path+".SearchString", "missing SearchString")
	}
	if p, ok := c.enum(path, "PositionalConstraint", s.PositionalConstraint, "", "EXACTLY", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "CONTAINS_WORD"); ok {
		m.pos = positions[p]
	}
	m.f = c.fieldToMatch(path, s.FieldToMatch)
	m.tr = c.transformations(path, s.TextTransformations)
	if m.f == nil {
		return nil
	}
	return m
}

func (m *byteMatch) match(c *evalCtx) bool { return m.f.matches(c, m.tr, m) }

func (m *byteMatch) inspect(_ *evalCtx, v []byte) bool {
	switch m.pos {
	case posExactly:
		return bytes.Equal(v, m.search)
	case posStartsWith:
		return bytes.HasPrefix(v, m.search)
	case posEndsWith:
		return bytes.HasSuffix(v, m.search)
	case posContains:
		return bytes.Contains(v, m.search)
	default:
		return containsWord(v, m.search)
	}
}

// containsWord reports whether word occurs in v as a word: preceded by the
// start of v or a character other than A-Z, a-z, 0-9 and '_', and followed
// by the end of v or such a character (AWS's CONTAINS_WORD).
func containsWord(v, word []byte) bool {
	if len(word) == 0 {
		return false
	}
	// off never passes len(v): an occurrence at i ends by len(v), so
	// i+1 <= len(v), and once fewer than len(word) bytes are left Index
	// finds nothing.
	for off := 0; ; {
		i := bytes.Index(v[off:], word)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(word)
		if (i == 0 || !isWordChar(v[i-1])) && (end == len(v) || !isWordChar(v[end])) {
			return true
		}
		off = i + 1
	}
}

func isWordChar(c byte) bool {
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
