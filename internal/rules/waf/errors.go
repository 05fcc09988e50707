package waf

import (
	"fmt"
	"strings"
)

// Error is one problem found while loading or compiling a web ACL.
type Error struct {
	// Rule is the name of the rule the problem is in; empty for problems
	// outside any rule (DefaultAction, CustomResponseBodies, the document).
	Rule string
	// Path is the JSON path of the offending element, for example
	// "Rules[1].Statement.AndStatement.Statements[0]".
	Path string
	// Msg says what is wrong.
	Msg string
}

// Error formats the problem as `rule "NAME" (PATH): MSG`.
func (e *Error) Error() string {
	switch {
	case e.Rule != "":
		return fmt.Sprintf("rule %q (%s): %s", e.Rule, e.Path, e.Msg)
	case e.Path != "":
		return fmt.Sprintf("%s: %s", e.Path, e.Msg)
	default:
		return e.Msg
	}
}

// Errors is every problem found while loading or compiling a web ACL, in
// document order.
type Errors []*Error

// Error lists the problems one per line.
func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// errs collects problems with the current rule name.
type errs struct {
	list Errors
	rule string
}

func (c *errs) addf(path, format string, args ...any) {
	c.list = append(c.list, &Error{Rule: c.rule, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// err returns the collected problems as an error, or nil if there are none.
func (c *errs) err() error {
	if len(c.list) == 0 {
		return nil
	}
	return c.list
}

// covered reports whether path is at or below a path already reported,
// so that a field that failed to decode is not reported again as missing.
func (c *errs) covered(path string) bool {
	for _, e := range c.list {
		if path == e.Path || strings.HasPrefix(path, e.Path+".") || strings.HasPrefix(path, e.Path+"[") {
			return true
		}
	}
	return false
}
