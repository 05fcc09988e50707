package waf

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// New loads data (see Load) and compiles it (see Compile). The error, if
// any, is an Errors listing every problem found by both.
func New(data []byte, opts Options) (*Engine, error) {
	doc, err := Load(data)
	if doc == nil {
		return nil, err
	}
	e, cerr := Compile(doc, opts)
	if err == nil {
		return e, cerr
	}
	var all Errors
	errors.As(err, &all)
	var more Errors
	if errors.As(cerr, &more) {
		seen := &errs{list: all}
		for _, m := range more {
			if !seen.covered(m.Path) {
				all = append(all, m)
			}
		}
	}
	return nil, all
}

// Compile checks doc's meaning and compiles it into an Engine: set
// references resolved, regular expressions compiled, limits and enums
// checked. The error, if any, is an Errors listing every problem, each with
// its rule name and JSON path. Nothing invalid is skipped.
func Compile(doc *Document, opts Options) (*Engine, error) {
	if opts.Account == "" {
		opts.Account = DefaultAccount
	}
	if opts.BodyInspectionLimit <= 0 {
		opts.BodyInspectionLimit = DefaultBodyInspectionLimit
	}
	c := &compiler{opts: opts}
	var (
		rules   []Rule
		bodies  map[string]CustomResponseBody
		name    string
		def     *DefaultAction
		ruleDir = "Rules"
	)
	if doc.prefix != "" {
		ruleDir = doc.prefix + ".Rules"
	}
	switch {
	case doc.WebACL != nil:
		w := doc.WebACL
		rules, bodies, name, def = w.Rules, w.CustomResponseBodies, w.Name, w.DefaultAction
		c.aclCaptcha, c.aclChallenge = w.CaptchaConfig, w.ChallengeConfig
		c.checkWebACL(doc.prefix, w)
	case doc.RuleGroup != nil:
		g := doc.RuleGroup
		rules, bodies, name = g.Rules, g.CustomResponseBodies, g.Name
		def = &DefaultAction{Allow: &AllowAction{}}
	default:
		return nil, Errors{{Msg: "empty document"}}
	}
	if opts.WebACLName != "" {
		name = opts.WebACLName
	}
	if name == "" {
		name = "webacl"
	}
	c.ns = "awswaf:" + opts.Account + ":webacl:" + name + ":"
	if doc.RuleGroup != nil && opts.WebACLName == "" {
		c.ns = "awswaf:" + opts.Account + ":rulegroup:" + name + ":"
	}
	c.bodies = c.responseBodies(join(doc.prefix, "CustomResponseBodies"), bodies)
	e := &Engine{name: name, namespace: c.ns, store: opts.Store, nRules: len(rules), tokens: opts.Tokens}
	e.steps = c.rules(ruleDir, rules)
	markHead(e.steps)
	e.rateRules = c.rateIDs // filled by c.rules
	e.def = c.defaultAction(join(doc.prefix, "DefaultAction"), def)
	if c.hasRate && opts.Store == nil {
		c.rule = ""
		c.addf(ruleDir, "the web ACL has rate-based rules but no rate store was configured")
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	e.pool.New = func() any { return &evalCtx{eng: e} }
	return e, nil
}

// compiler turns model values into compiled rules, collecting errors.
type compiler struct {
	errs
	opts    Options
	ns      string // label namespace of the rules being compiled
	bodies  map[string]*CustomResponseBody
	hasRate bool
	rateIDs []RateRule
	// keys hashes personal rate keys; see hasher.
	keys *keyHasher
	// aclCaptcha and aclChallenge are the web ACL's immunity configs.
	aclCaptcha, aclChallenge *ImmunityConfig
	// groupDepth > 0 while compiling a referenced rule group.
	groupDepth int
	// groupCount makes every rule of the group being compiled count
	// (OverrideAction Count).
	groupCount bool
	// overrides and excluded are the group reference's RuleActionOverrides
	// and ExcludedRules, by rule name.
	overrides map[string]*RuleAction
	excluded  map[string]bool
	// labelReads collects the label matchers compiled, so that a rate-based
	// rule learns which labels its scope-down statement reads.
	labelReads []*labelMatch
}

func (c *compiler) checkWebACL(prefix string, w *WebACL) {
	if len(w.PreProcessFirewallManagerRuleGroups) > 0 || len(w.PostProcessFirewallManagerRuleGroups) > 0 {
		c.addf(join(prefix, "PreProcessFirewallManagerRuleGroups"), "Firewall Manager rule groups are not supported; put their rules in the web ACL")
	}
	if w.Name != "" && !namePattern.MatchString(w.Name) {
		c.addf(join(prefix, "Name"), "invalid name %q: use letters, digits, '_' and '-' (at most 128)", w.Name)
	}
}

var (
	namePattern  = regexp.MustCompile(`^[\w-]{1,128}$`)
	labelPattern = regexp.MustCompile(`^[0-9A-Za-z_\-:]+$`)
)

// rules compiles a rule list (sorted by Priority) into steps.
func (c *compiler) rules(dir string, in []Rule) []step {
	type indexed struct {
		i int
		r *Rule
	}
	order := make([]indexed, len(in))
	for i := range in {
		order[i] = indexed{i, &in[i]}
	}
	slices.SortStableFunc(order, func(a, b indexed) int { return cmp.Compare(a.r.Priority, b.r.Priority) })
	names := map[string]int{}
	prios := map[int64]int{}
	var compiled []*rule
	for _, o := range order {
		path := fmt.Sprintf("%s[%d]", dir, o.i)
		c.rule = o.r.Name
		if j, dup := names[o.r.Name]; dup && o.r.Name != "" {
			c.addf(path+".Name", "duplicate rule name (also %s[%d])", dir, j)
		}
		names[o.r.Name] = o.i
		if j, dup := prios[o.r.Priority]; dup {
			c.addf(path+".Priority", "duplicate priority %d (also %s[%d])", o.r.Priority, dir, j)
		}
		prios[o.r.Priority] = o.i
		if r := c.compileRule(path, o.r); r != nil {
			compiled = append(compiled, r)
		}
		c.rule = ""
	}
	return groupSteps(compiled)
}

// groupSteps puts each maximal run of consecutive rate-based rules into
// one step, splitting a run before a rule whose scope-down statement reads
// a label that an earlier rule of the run adds.
func groupSteps(rules []*rule) []step {
	var steps []step
	for _, r := range rules {
		if r.rate == nil {
			steps = append(steps, step{rules: []*rule{r}})
			continue
		}
		if n := len(steps); n > 0 && steps[n-1].rate && !readsLabelsOf(r, steps[n-1].rules) {
			steps[n-1].rules = append(steps[n-1].rules, r)
			continue
		}
		steps = append(steps, step{rules: []*rule{r}, rate: true})
	}
	return steps
}

func readsLabelsOf(r *rule, earlier []*rule) bool {
	for _, lm := range r.readsLabels {
		for _, e := range earlier {
			for _, l := range e.labels {
				if lm.matchLabel(l) {
					return true
				}
			}
		}
	}
	return false
}

func (c *compiler) compileRule(path string, in *Rule) *rule {
	if in.Name == "" {
		c.addf(path+".Name", "missing rule name")
	} else if !namePattern.MatchString(in.Name) {
		c.addf(path+".Name", "invalid rule name %q: use letters, digits, '_' and '-' (at most 128)", in.Name)
	}
	if in.Priority < 0 {
		c.addf(path+".Priority", "priority must be at least 0, got %d", in.Priority)
	}
	r := &rule{name: in.Name, priority: in.Priority, typ: RuleTypeRegular}
	for i, l := range in.RuleLabels {
		lp := fmt.Sprintf("%s.RuleLabels[%d].Name", path, i)
		if strings.HasPrefix(l.Name, "awswaf:") {
			c.addf(lp, "label %q must not carry a prefix: AWS WAF adds %q", l.Name, c.ns)
			continue
		}
		if !labelPattern.MatchString(l.Name) {
			c.addf(lp, "invalid label %q: use letters, digits, '_', '-' and ':' as namespace separator", l.Name)
			continue
		}
		r.labels = append(r.labels, c.ns+l.Name)
	}
	if in.Statement == nil {
		c.addf(path+".Statement", "missing Statement")
		return nil
	}
	sp := path + ".Statement"
	isGroup := in.Statement.RuleGroupReferenceStatement != nil || in.Statement.ManagedRuleGroupStatement != nil
	switch {
	case isGroup && in.Action != nil:
		c.addf(path+".Action", "a rule group reference takes OverrideAction, not Action")
	case isGroup && in.OverrideAction == nil:
		c.addf(path+".OverrideAction", "missing OverrideAction (None or Count) for a rule group reference")
	case !isGroup && in.OverrideAction != nil:
		c.addf(path+".OverrideAction", "OverrideAction is only for rule group references; use Action")
	case !isGroup && in.Action == nil:
		c.addf(path+".Action", "missing Action")
	}
	if isGroup {
		if len(in.RuleLabels) > 0 {
			c.addf(path+".RuleLabels", "RuleLabels are not supported on a rule group reference")
		}
		r.typ = RuleTypeGroup
		r.group = c.groupReference(sp, in.Statement, in.OverrideAction)
		if r.group == nil {
			return nil
		}
		return r
	}
	if ov := c.overrides[in.Name]; ov != nil {
		c.ruleAction(path+".Action", ov, r)
	} else if in.Action != nil {
		c.ruleAction(path+".Action", in.Action, r)
	}
	if r.action == ActionCaptcha || r.action == ActionChallenge {
		r.immunity = c.immunity(path, r.action, in)
	}
	if c.opts.TestMode || c.groupCount || c.excluded[in.Name] {
		r.action, r.terminate, r.response = ActionCount, false, nil
	}
	if rb := in.Statement.RateBasedStatement; rb != nil && countStatements(in.Statement) == 1 {
		r.typ = RuleTypeRateBased
		r.rate = c.rateBased(sp+".RateBasedStatement", rb, r)
		c.hasRate = true
		if r.rate == nil {
			return nil
		}
		return r
	}
	r.stmt = c.statement(sp, in.Statement)
	if r.stmt == nil {
		return nil
	}
	return r
}
