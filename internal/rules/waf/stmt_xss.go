package waf

import (
	"unsafe"

	"github.com/corazawaf/libinjection-go"
)

// xssMatch is an XssMatchStatement, detected with libinjection.
type xssMatch struct {
	f  field
	tr chain
}

func (c *compiler) xssMatch(path string, s *XssMatchStatement) matcher {
	m := &xssMatch{}
	m.f = c.fieldToMatch(path, s.FieldToMatch)
	m.tr = c.transformations(path, s.TextTransformations)
	if m.f == nil {
		return nil
	}
	return m
}

func (m *xssMatch) match(c *evalCtx) bool { return m.f.matches(c, m.tr, m) }

func (m *xssMatch) inspect(_ *evalCtx, v []byte) bool {
	return len(v) > 0 && libinjection.IsXSS(unsafe.String(unsafe.SliceData(v), len(v)))
}
