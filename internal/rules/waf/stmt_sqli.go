package waf

import (
	"unsafe"

	"github.com/corazawaf/libinjection-go"
)

// sqliMatch is a SqliMatchStatement, detected with libinjection. Sensitivity
// LOW (the default) reports libinjection's SQL injection fingerprints;
// HIGH also reports inputs that merely tokenize as SQL fragments with a
// comment or a boolean operator, which catches more at the cost of false
// positives.
type sqliMatch struct {
	f    field
	tr   chain
	high bool
}

func (c *compiler) sqliMatch(path string, s *SqliMatchStatement) matcher {
	m := &sqliMatch{}
	lvl, _ := c.enum(path, "SensitivityLevel", s.SensitivityLevel, "LOW", "LOW", "HIGH")
	m.high = lvl == "HIGH"
	m.f = c.fieldToMatch(path, s.FieldToMatch)
	m.tr = c.transformations(path, s.TextTransformations)
	if m.f == nil {
		return nil
	}
	return m
}

func (m *sqliMatch) match(c *evalCtx) bool { return m.f.matches(c, m.tr, m) }

func (m *sqliMatch) inspect(_ *evalCtx, v []byte) bool {
	if len(v) == 0 {
		return false
	}
	s := unsafe.String(unsafe.SliceData(v), len(v))
	if ok, _ := libinjection.IsSQLi(s); ok {
		return true
	}
	return m.high && highSensitivitySQL(v)
}

// highSensitivitySQL flags SQL comment sequences and quote-breaking
// boolean tautologies that libinjection's fingerprints let through.
func highSensitivitySQL(v []byte) bool {
	for i := 0; i+1 < len(v); i++ {
		switch {
		case v[i] == '-' && v[i+1] == '-':
			return true
		case v[i] == '/' && v[i+1] == '*':
			return true
		case (v[i] == '\'' || v[i] == '"') && i+4 < len(v) && (hasFoldPrefix(v[i+1:], " or ") || hasFoldPrefix(v[i+1:], " and ")):
			return true
		}
	}
	return false
}

func hasFoldPrefix(v []byte, p string) bool {
	if len(v) < len(p) {
		return false
	}
	for i := range len(p) {
		a := v[i]
		if a >= 'A' && a <= 'Z' {
			a += 'a' - 'A'
		}
		if a != p[i] {
			return false
		}
	}
	return true
}
