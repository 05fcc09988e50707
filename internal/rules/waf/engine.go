package waf

import (
	"context"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// Engine is a compiled web ACL.
//
// An Engine is immutable after Compile and safe for concurrent use by any
// number of goroutines; Evaluate takes no locks. To change the rules, compile
// a new Engine and swap it in (for example with an atomic.Pointer).
type Engine struct {
	name      string
	namespace string
	steps     []step
	def       *rule
	store     ratelimit.Store
	nRules    int
	rateRules []RateRule
	tokens    Tokens
	pool      sync.Pool
}

// RateRule names a rate-based rule and the id its counters are kept under
// in the rate store (ratelimit.Hit.Rule).
type RateRule struct {
	Name, ID string
}

// RateRules returns the web ACL's rate-based rules (including those inside
// rule groups). The slice must not be modified.
func (e *Engine) RateRules() []RateRule { return e.rateRules }

// step is one rule, or a run of consecutive rate-based rules decided in one
// Store.Decide call.
type step struct {
	rules []*rule
	rate  bool
	// head: this step and every step before it in its list are decidable
	// on the request's head (see EvaluateHead).
	head bool
}

// rule is a compiled rule (or the default action, with a nil statement).
type rule struct {
	name      string
	typ       RuleType
	priority  int64
	stmt      matcher
	rate      *rateRule
	group     *groupRef
	action    Action
	terminate bool
	labels    []string
	headers   []HeaderField
	response  *Response
	// immunity is a CAPTCHA or Challenge action's token immunity time.
	immunity time.Duration
	// readsLabels lists the label matchers of a rate-based rule's
	// scope-down statement, for run splitting.
	readsLabels []*labelMatch
}

// matcher is a compiled statement.
type matcher interface {
	match(c *evalCtx) bool
}

// evalCtx is the state of one evaluation; Engines pool them.
type evalCtx struct {
	v       *request.View
	out     *Verdict
	eng     *Engine
	now     time.Time
	s       scratch
	hits    []ratelimit.Hit
	results []ratelimit.Result
	keybuf  []byte
	keyEnds []int
	batch   []batchEntry
	// memo holds rate decisions made on the request's head; head runs
	// EvaluateHead's mode, which stops (stopped) at the first step that is
	// not decidable on the head.
	memo    *Memo
	head    bool
	stopped bool
}

type batchEntry struct {
	r   *rule
	hit int // index into hits, or -1 for a forwarded-IP fallback match
}

// Name returns the web ACL name used in label names.
func (e *Engine) Name() string { return e.name }

// LabelNamespace returns the prefix of the labels the web ACL's rules add,
// "awswaf:<account>:webacl:<name>:".
func (e *Engine) LabelNamespace() string { return e.namespace }

// Len returns the number of rules.
func (e *Engine) Len() int { return e.nRules }

// Evaluate runs the web ACL over v at time now and writes the decision to
// out, which it resets first. The error is non-nil only if the engine
// failed (the rate store could not decide); out is then incomplete and the
// caller chooses to fail open or closed.
func (e *Engine) Evaluate(ctx context.Context, now time.Time, v *request.View, out *Verdict) error {
	return e.EvaluateMemo(ctx, now, v, out, nil)
}

// run evaluates steps until one terminates and reports whether one did.
// groupRule is the web ACL rule referencing the group the steps belong to,
// or "" for the web ACL's own rules.
func (e *Engine) run(ctx context.Context, c *evalCtx, steps []step, groupRule string) (bool, error) {
	for i := range steps {
		st := &steps[i]
		if c.head && !st.head {
			c.stopped = true
			return false, nil
		}
		switch {
		case st.rate:
			if done, err := e.runRate(ctx, c, st.rules, groupRule); err != nil || done {
				return done, err
			}
		case st.rules[0].group != nil:
			r := st.rules[0]
			if done, err := e.run(ctx, c, r.group.steps, r.name); err != nil || done {
				return done, err
			}
		default:
			if r := st.rules[0]; r.stmt.match(c) && e.apply(c, r, groupRule) {
				return true, nil
			}
		}
	}
	return false, nil
}

// apply records that r matched and reports whether it terminated
// evaluation. groupRule is the enclosing group reference, if any.
func (e *Engine) apply(c *evalCtx, r *rule, groupRule string) bool {
	out := c.out
	out.Labels = append(out.Labels, r.labels...)
	out.InsertHeaders = append(out.InsertHeaders, r.headers...)
	id, inner, typ := r.name, "", r.typ
	if groupRule != "" {
		id, inner, typ = groupRule, r.name, RuleTypeGroup
	}
	if !r.terminate {
		out.NonTerminating = append(out.NonTerminating, RuleMatch{RuleID: id, GroupRuleID: inner, Action: ActionCount, Type: typ})
		return false
	}
	if (r.action == ActionCaptcha || r.action == ActionChallenge) && e.tokenAccepted(c, r) {
		// A valid token: the rule acts like Count, as in AWS WAF.
		out.NonTerminating = append(out.NonTerminating, RuleMatch{RuleID: id, GroupRuleID: inner, Action: r.action, Type: typ})
		return false
	}
	out.Action = r.action
	out.CustomResponse = r.response
	if r.stmt == nil && r.rate == nil { // default action
		out.TerminatingRuleID = DefaultActionID
		return true
	}
	out.TerminatingRuleID, out.TerminatingGroupRuleID, out.TerminatingRuleType = id, inner, typ
	return true
}

// runRate decides a run of rate-based rules with one Store.Decide call.
func (e *Engine) runRate(ctx context.Context, c *evalCtx, rules []*rule, groupRule string) (bool, error) {
	c.hits, c.batch, c.keybuf, c.keyEnds = c.hits[:0], c.batch[:0], c.keybuf[:0], c.keyEnds[:0]
	for _, r := range rules {
		rr := r.rate
		if rr.scopeDown != nil && !rr.scopeDown.match(c) {
			continue
		}
		start := len(c.keybuf)
		var res keyResult
		c.keybuf, res = rr.appendKey(c, c.keybuf)
		switch res {
		case keyMissing:
			c.keybuf = c.keybuf[:start]
			continue
		case keyFallbackMatch:
			c.keybuf = c.keybuf[:start]
			c.batch = append(c.batch, batchEntry{r: r, hit: -1})
			if r.terminate {
				goto decide // evaluation ends at this rule
			}
			continue
		}
		c.keyEnds = append(c.keyEnds, len(c.keybuf))
		c.batch = append(c.batch, batchEntry{r: r, hit: len(c.hits)})
		c.hits = append(c.hits, ratelimit.Hit{Rule: rr.id, Limit: rr.limit, Window: rr.window, Terminating: r.terminate})
	}
decide:
	if len(c.hits) > 0 {
		start := 0
		for i := range c.hits {
			c.hits[i].Key = c.keybuf[start:c.keyEnds[i]]
			start = c.keyEnds[i]
		}
		if cap(c.results) < len(c.hits) {
			c.results = make([]ratelimit.Result, len(c.hits))
		}
		c.results = c.results[:len(c.hits)]
		if memo := c.memo.lookup(rules[0]); len(memo) == len(c.hits) {
			copy(c.results, memo) // counted by EvaluateHead
		} else {
			if err := e.store.Decide(ctx, c.now, c.hits, c.results); err != nil {
				return false, fmt.Errorf("waf: rate store: %w", err)
			}
			if c.head && c.memo != nil {
				c.memo.save(rules[0], c.results)
			}
		}
	}
	for _, b := range c.batch {
		var count int64
		var key []byte
		if b.hit >= 0 {
			res := c.results[b.hit]
			if !res.Over {
				continue
			}
			count, key = res.Count, c.hits[b.hit].Key
		}
		rr := b.r.rate
		c.out.RateBased = append(c.out.RateBased, RateBasedMatch{
			RuleName:            b.r.name,
			LimitKey:            rr.limitKey,
			LimitValue:          rr.keyText(key),
			MaxRateAllowed:      rr.limit,
			EvaluationWindowSec: int64(rr.window / time.Second),
			Count:               count,
		})
		if e.apply(c, b.r, groupRule) {
			return true, nil
		}
	}
	return false, nil
}

// bytesOf returns the bytes of s without copying. The result must not be
// modified.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
