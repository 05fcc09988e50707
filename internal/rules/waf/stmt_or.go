package waf

// orStmt matches when any statement matches.
type orStmt []matcher

func (c *compiler) orStatement(path string, s *OrStatement) matcher {
	if len(s.Statements) < 2 {
		c.addf(path+".Statements", "an OrStatement needs at least two statements, got %d", len(s.Statements))
	}
	return c.statements(path, s.Statements, func(ms []matcher) matcher { return orStmt(ms) })
}

func (o orStmt) match(c *evalCtx) bool {
	for _, m := range o {
		if m.match(c) {
			return true
		}
	}
	return false
}
