package waf

// notStmt negates a statement.
type notStmt struct{ m matcher }

func (c *compiler) notStatement(path string, s *NotStatement) matcher {
	m := c.statement(path+".Statement", s.Statement)
	if m == nil {
		return nil
	}
	return notStmt{m}
}

func (n notStmt) match(c *evalCtx) bool { return !n.m.match(c) }
