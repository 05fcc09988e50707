package waf

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// statementKinds lists Statement's fields, for messages.
var statementKinds = []string{
	"ByteMatchStatement", "SqliMatchStatement", "XssMatchStatement", "SizeConstraintStatement",
	"GeoMatchStatement", "RuleGroupReferenceStatement", "IPSetReferenceStatement",
	"RegexPatternSetReferenceStatement", "RateBasedStatement", "AndStatement", "OrStatement",
	"NotStatement", "ManagedRuleGroupStatement", "LabelMatchStatement", "RegexMatchStatement",
	"AsnMatchStatement",
}

func setStatements(s *Statement) []string {
	var set []string
	add := func(ok bool, name string) {
		if ok {
			set = append(set, name)
		}
	}
	add(s.ByteMatchStatement != nil, "ByteMatchStatement")
	add(s.SqliMatchStatement != nil, "SqliMatchStatement")
	add(s.XssMatchStatement != nil, "XssMatchStatement")
	add(s.SizeConstraintStatement != nil, "SizeConstraintStatement")
	add(s.GeoMatchStatement != nil, "GeoMatchStatement")
	add(s.RuleGroupReferenceStatement != nil, "RuleGroupReferenceStatement")
	add(s.IPSetReferenceStatement != nil, "IPSetReferenceStatement")
	add(s.RegexPatternSetReferenceStatement != nil, "RegexPatternSetReferenceStatement")
	add(s.RateBasedStatement != nil, "RateBasedStatement")
	add(s.AndStatement != nil, "AndStatement")
	add(s.OrStatement != nil, "OrStatement")
	add(s.NotStatement != nil, "NotStatement")
	add(s.ManagedRuleGroupStatement != nil, "ManagedRuleGroupStatement")
	add(s.LabelMatchStatement != nil, "LabelMatchStatement")
	add(s.RegexMatchStatement != nil, "RegexMatchStatement")
	add(s.AsnMatchStatement != nil, "AsnMatchStatement")
	return set
}

func countStatements(s *Statement) int { return len(setStatements(s)) }

// statement compiles a nested statement; nil after an error.
func (c *compiler) statement(path string, s *Statement) matcher {
	if s == nil {
		c.addf(path, "missing statement")
		return nil
	}
	set := setStatements(s)
	switch len(set) {
	case 0:
		if !c.covered(path) {
			c.addf(path, "empty statement: set exactly one of %s", strings.Join(statementKinds, ", "))
		}
		return nil
	case 1:
	default:
		c.addf(path, "set exactly one statement, found %s", strings.Join(set, " and "))
		return nil
	}
	p := path + "." + set[0]
	switch {
	case s.AndStatement != nil:
		return c.andStatement(p, s.AndStatement)
	case s.OrStatement != nil:
		return c.orStatement(p, s.OrStatement)
	case s.NotStatement != nil:
		return c.notStatement(p, s.NotStatement)
	case s.ByteMatchStatement != nil:
		return c.byteMatch(p, s.ByteMatchStatement)
	case s.RegexMatchStatement != nil:
		return c.regexMatch(p, s.RegexMatchStatement)
	case s.RegexPatternSetReferenceStatement != nil:
		return c.regexSetReference(p, s.RegexPatternSetReferenceStatement)
	case s.SizeConstraintStatement != nil:
		return c.sizeConstraint(p, s.SizeConstraintStatement)
	case s.IPSetReferenceStatement != nil:
		return c.ipSetReference(p, s.IPSetReferenceStatement)
	case s.GeoMatchStatement != nil:
		return c.geoMatch(p, s.GeoMatchStatement)
	case s.LabelMatchStatement != nil:
		return c.labelMatch(p, s.LabelMatchStatement)
	case s.SqliMatchStatement != nil:
		return c.sqliMatch(p, s.SqliMatchStatement)
	case s.XssMatchStatement != nil:
		return c.xssMatch(p, s.XssMatchStatement)
	case s.RateBasedStatement != nil:
		c.addf(p, "a RateBasedStatement must be a rule's top-level statement; it cannot be nested")
	case s.RuleGroupReferenceStatement != nil:
		c.addf(p, "a RuleGroupReferenceStatement must be a rule's top-level statement; it cannot be nested")
	case s.ManagedRuleGroupStatement != nil:
		c.addf(p, "managed rule groups run only inside AWS WAF and are not supported; copy the rules you need into the web ACL")
	case s.AsnMatchStatement != nil:
		c.addf(p, "AsnMatchStatement is not supported")
	}
	return nil
}

// enum checks that v is one of allowed; an empty v is reported missing
// unless def is non-empty, in which case def is returned.
func (c *compiler) enum(path, field, v, def string, allowed ...string) (string, bool) {
	if v == "" && def != "" {
		return def, true
	}
	if v == "" {
		c.addf(path+"."+field, "missing %s: must be one of %s", field, strings.Join(allowed, ", "))
		return "", false
	}
	if !slices.Contains(allowed, v) {
		c.addf(path+"."+field, "invalid %s %q: must be one of %s", field, v, strings.Join(allowed, ", "))
		return "", false
	}
	return v, true
}

// transformations compiles a TextTransformations list into a chain in
// ascending Priority.
func (c *compiler) transformations(path string, in []TextTransformation) chain {
	path += ".TextTransformations"
	if len(in) == 0 {
		c.addf(path, "missing TextTransformations: give at least one (use {\"Priority\": 0, \"Type\": \"NONE\"} for none)")
		return nil
	}
	sorted := slices.Clone(in)
	slices.SortStableFunc(sorted, func(a, b TextTransformation) int { return cmp.Compare(a.Priority, b.Priority) })
	var ch chain
	seen := map[int64]bool{}
	for i, t := range in {
		p := fmt.Sprintf("%s[%d]", path, i)
		if seen[t.Priority] {
			c.addf(p+".Priority", "duplicate transformation priority %d", t.Priority)
		}
		seen[t.Priority] = true
		if t.Priority < 0 {
			c.addf(p+".Priority", "priority must be at least 0")
		}
		if transformByName[t.Type] == nil {
			c.addf(p+".Type", "invalid transformation type %q: must be one of %s", t.Type, transformNames())
		}
	}
	for _, t := range sorted {
		if fn := transformByName[t.Type]; fn != nil && t.Type != "NONE" {
			ch = append(ch, fn)
		}
	}
	return ch
}

func transformNames() string {
	names := make([]string, len(transformTable))
	for i, t := range transformTable {
		names[i] = t.name
	}
	return strings.Join(names, ", ")
}

// arnName returns the NAME in arn:aws:wafv2:REGION:ACCOUNT:SCOPE/KIND/NAME/ID.
func (c *compiler) arnName(path, arn, kind string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if arn == "" {
		c.addf(path, "missing ARN")
		return "", false
	}
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "wafv2" {
		c.addf(path, "invalid ARN %q: want arn:aws:wafv2:REGION:ACCOUNT:regional/%s/NAME/ID", arn, kind)
		return "", false
	}
	res := strings.Split(parts[5], "/")
	if len(res) != 4 || (res[0] != "regional" && res[0] != "global") || res[1] != kind || res[2] == "" {
		c.addf(path, "invalid ARN %q: want arn:aws:wafv2:REGION:ACCOUNT:regional/%s/NAME/ID", arn, kind)
		return "", false
	}
	return res[2], true
}
