package waf

import "fmt"

// maxGroupDepth bounds rule groups referencing rule groups.
const maxGroupDepth = 4

// groupRef is a compiled RuleGroupReferenceStatement: the group's rules,
// compiled for this reference (its OverrideAction, ExcludedRules and
// RuleActionOverrides applied) in the group's label namespace.
type groupRef struct {
	steps []step
}

func (c *compiler) groupReference(path string, s *Statement, override *OverrideAction) *groupRef {
	if s.ManagedRuleGroupStatement != nil {
		c.addf(path+".ManagedRuleGroupStatement", "managed rule groups run only inside AWS WAF and are not supported; copy the rules you need into the web ACL")
		return nil
	}
	if n := countStatements(s); n != 1 {
		c.addf(path, "set exactly one statement, found %d", n)
		return nil
	}
	ref := s.RuleGroupReferenceStatement
	p := path + ".RuleGroupReferenceStatement"
	name, ok := c.arnName(p+".ARN", ref.ARN, "rulegroup")
	if !ok {
		return nil
	}
	g := c.opts.RuleGroups[name]
	if g == nil {
		c.addf(p+".ARN", "rule group %q not found (known: %s)", name, enumList(c.opts.RuleGroups))
		return nil
	}
	if c.groupDepth >= maxGroupDepth {
		c.addf(p+".ARN", "rule groups nested more than %d deep", maxGroupDepth)
		return nil
	}
	count := false
	if override != nil {
		switch {
		case override.Count != nil && override.None != nil, override.Count == nil && override.None == nil:
			c.addf(path[:len(path)-len(".Statement")]+".OverrideAction", "set exactly one of None and Count")
		case override.Count != nil:
			count = true
		}
	}
	overrides := map[string]*RuleAction{}
	for i, o := range ref.RuleActionOverrides {
		if o.ActionToUse == nil {
			c.addf(fmt.Sprintf("%s.RuleActionOverrides[%d].ActionToUse", p, i), "missing ActionToUse")
			continue
		}
		overrides[o.Name] = o.ActionToUse
	}
	excluded := map[string]bool{}
	for _, e := range ref.ExcludedRules {
		excluded[e.Name] = true
	}
	// Compile the group's rules in its own context; errors name the web
	// ACL rule and the group's rule path.
	saved := *c
	c.groupDepth++
	c.groupCount = c.groupCount || count
	c.overrides, c.excluded = overrides, excluded
	c.ns = "awswaf:" + c.opts.Account + ":rulegroup:" + name + ":"
	c.bodies = c.responseBodies(p+"(RuleGroup "+name+").CustomResponseBodies", g.CustomResponseBodies)
	outerRule := c.rule
	steps := c.rules(p+"(RuleGroup "+name+").Rules", g.Rules)
	list := c.list
	hasRate := c.hasRate
	reads := c.labelReads
	*c = saved
	c.list, c.hasRate, c.labelReads, c.rule = list, hasRate, reads, outerRule
	return &groupRef{steps: steps}
}
