package waf

// Comparison operators.
const (
	cmpEQ = iota
	cmpNE
	cmpLE
	cmpLT
	cmpGE
	cmpGT
)

var comparisons = map[string]int{"EQ": cmpEQ, "NE": cmpNE, "LE": cmpLE, "LT": cmpLT, "GE": cmpGE, "GT": cmpGT}

// maxSize is the largest Size AWS accepts (21474836480).
const maxSize = 21474836480

// sizeConstraint is a SizeConstraintStatement: it compares the length in
// bytes of the transformed component.
type sizeConstraint struct {
	f    field
	tr   chain
	op   int
	size int64
}

func (c *compiler) sizeConstraint(path string, s *SizeConstraintStatement) matcher {
	m := &sizeConstraint{size: s.Size}
	if op, ok := c.enum(path, "ComparisonOperator", s.ComparisonOperator, "", "EQ", "NE", "LE", "LT", "GE", "GT"); ok {
		m.op = comparisons[op]
	}
	if s.Size < 0 || s.Size > maxSize {
		c.addf(path+".Size", "Size must be 0-%d, got %d", int64(maxSize), s.Size)
	}
	m.f = c.fieldToMatch(path, s.FieldToMatch)
	m.tr = c.transformations(path, s.TextTransformations)
	if m.f == nil {
		return nil
	}
	return m
}

func (m *sizeConstraint) match(c *evalCtx) bool { return m.f.matches(c, m.tr, m) }

func (m *sizeConstraint) inspect(_ *evalCtx, v []byte) bool {
	n := int64(len(v))
	switch m.op {
	case cmpEQ:
		return n == m.size
	case cmpNE:
		return n != m.size
	case cmpLE:
		return n <= m.size
	case cmpLT:
		return n < m.size
	case cmpGE:
		return n >= m.size
	default:
		return n > m.size
	}
}
