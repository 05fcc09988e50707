package waf

// andStmt matches when every statement matches.
type andStmt []matcher

func (c *compiler) andStatement(path string, s *AndStatement) matcher {
	if len(s.Statements) < 2 {
		c.addf(path+".Statements", "an AndStatement needs at least two statements, got %d", len(s.Statements))
	}
	return c.statements(path, s.Statements, func(ms []matcher) matcher { return andStmt(ms) })
}

func (a andStmt) match(c *evalCtx) bool {
	for _, m := range a {
		if !m.match(c) {
			return false
		}
	}
	return true
}

// statements compiles a Statements list; nil if any failed.
func (c *compiler) statements(path string, in []Statement, build func([]matcher) matcher) matcher {
	ms := make([]matcher, 0, len(in))
	ok := true
	for i := range in {
		m := c.statement(path+".Statements["+itoa(i)+"]", &in[i])
		if m == nil {
			ok = false
			continue
		}
		ms = append(ms, m)
	}
	if !ok {
		return nil
	}
	return build(ms)
}
