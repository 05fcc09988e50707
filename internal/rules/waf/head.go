package waf

import (
	"context"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// The head of a request is what the proxy knows before it reads the body:
// method, path, query, headers, the client and peer addresses, and what
// the signals derive from them (IP-list, geo and bot labels, country).
// EvaluateHead runs the web ACL on the head alone, as far as the rules let
// it, so that a flood the web ACL blocks on its address (a deny list, a
// rate limit already exceeded) is refused without reading or parsing a
// body.
//
// A rule is decidable on the head when its statement reads only head
// fields: IP set and geo matches, header (but not poolguard's or Cognito's
// pseudo-headers, which the body fills), URI path, query and method
// matches, and rate-based rules keyed on those whose scope-down statement
// is decidable too. Label matches (labels can come from the body's
// signals), body and JSON-body fields, all-header and cookie fields, and
// CAPTCHA/Challenge actions (their tokens) are not.

// Memo carries the rate store's decisions made by EvaluateHead into the
// Evaluate of the same request, so that a rate-based rule counts the
// request once. Its zero value is empty; Reset empties it for reuse.
type Memo struct {
	entries []memoEntry
	results []ratelimit.Result
}

type memoEntry struct {
	first      *rule // the first rule of the run of rate-based rules
	start, end int   // its results in Memo.results
}

// Reset empties m, keeping its storage.
func (m *Memo) Reset() {
	if m == nil {
		return
	}
	clear(m.entries)
	m.entries, m.results = m.entries[:0], m.results[:0]
}

func (m *Memo) lookup(first *rule) []ratelimit.Result {
	if m == nil {
		return nil
	}
	for _, e := range m.entries {
		if e.first == first {
			return m.results[e.start:e.end]
		}
	}
	return nil
}

func (m *Memo) save(first *rule, res []ratelimit.Result) {
	start := len(m.results)
	m.results = append(m.results, res...)
	m.entries = append(m.entries, memoEntry{first: first, start: start, end: len(m.results)})
}

// HeadDecidable reports whether EvaluateHead can decide any request: some
// rule or the default action is reached through head-decidable rules only.
func (e *Engine) HeadDecidable() bool { return len(e.steps) == 0 || e.steps[0].head }

// EvaluateHead runs the web ACL over v, whose body has not been read
// (v.Body empty, and the Cognito fields the body fills unset), at time now.
// It reports true and writes the verdict to out, exactly as Evaluate would
// write it for the whole request, when the evaluation ends in a Block
// before any rule that reads more than the head; the request can then be
// refused without reading its body. Otherwise it reports false, and the
// caller evaluates the whole request with Evaluate, passing the same memo:
// rate-based rules that EvaluateHead already decided (and counted) are then
// not counted twice. memo must be empty (Reset) when EvaluateHead starts.
func (e *Engine) EvaluateHead(ctx context.Context, now time.Time, v *request.View, out *Verdict, memo *Memo) (bool, error) {
	out.reset()
	out.Labels = append(out.Labels, v.Labels...)
	c := e.pool.Get().(*evalCtx)
	c.v, c.out, c.now, c.memo, c.head, c.stopped = v, out, now, memo, true, false
	done, err := e.run(ctx, c, e.steps, "")
	reached := !c.stopped // false: stopped at a rule that needs more than the head
	if err == nil && !done && reached {
		e.apply(c, e.def, "")
		done = true
	}
	c.v, c.out, c.memo, c.head, c.stopped = nil, nil, nil, false, false
	e.pool.Put(c)
	if err != nil {
		return false, err
	}
	return done && reached && out.Action == ActionBlock, nil
}

// EvaluateMemo is Evaluate for a request EvaluateHead did not decide:
// rate-based rules whose decision memo holds are not asked of the store
// again. A nil memo is Evaluate.
func (e *Engine) EvaluateMemo(ctx context.Context, now time.Time, v *request.View, out *Verdict, memo *Memo) error {
	out.reset()
	out.Labels = append(out.Labels, v.Labels...)
	c := e.pool.Get().(*evalCtx)
	c.v, c.out, c.now, c.memo = v, out, now, memo
	done, err := e.run(ctx, c, e.steps, "")
	if err == nil && !done {
		e.apply(c, e.def, "")
	}
	c.v, c.out, c.memo = nil, nil, nil
	e.pool.Put(c)
	return err
}

// markHead sets each step's head flag: true when the step and every step
// before it (in this list) are decidable on the head.
func markHead(steps []step) bool {
	all := true
	for i := range steps {
		st := &steps[i]
		if st.rules[0].group != nil {
			markHead(st.rules[0].group.steps)
		}
		all = all && stepHead(st)
		st.head = all
	}
	return all
}

// stepHead reports whether one step is decidable on the head.
func stepHead(st *step) bool {
	for _, r := range st.rules {
		if r.action == ActionCaptcha || r.action == ActionChallenge {
			return false
		}
		switch {
		case r.group != nil:
			for i := range r.group.steps {
				if !r.group.steps[i].head {
					return false
				}
			}
		case r.rate != nil:
			if !rateHead(r.rate) {
				return false
			}
		case r.stmt != nil:
			if !matcherHead(r.stmt) {
				return false
			}
		}
	}
	return true
}

func rateHead(rr *rateRule) bool {
	if rr.scopeDown != nil && !matcherHead(rr.scopeDown) {
		return false
	}
	switch rr.agg {
	case aggIP, aggForwardedIP, aggConstant:
		return true
	}
	for _, k := range rr.keys {
		switch k.kind {
		case keyQueryArg, keyQueryString, keyURIPath, keyMethod, keyIP, keyForwardedIP:
		case keyHeader:
			if pseudoHeaderName(k.name) {
				return false
			}
		default: // cookies, label namespaces
			return false
		}
	}
	return true
}

// matcherHead reports whether m reads only the request's head.
func matcherHead(m matcher) bool {
	switch m := m.(type) {
	case andStmt:
		return allHead(m)
	case orStmt:
		return allHead(m)
	case notStmt:
		return matcherHead(m.m)
	case *ipSetMatch, *geoMatch:
		return true
	case *byteMatch:
		return fieldHead(m.f)
	case *regexMatch:
		return fieldHead(m.f)
	case *sizeConstraint:
		return fieldHead(m.f)
	case *sqliMatch:
		return fieldHead(m.f)
	case *xssMatch:
		return fieldHead(m.f)
	}
	return false // label matches, and any statement not listed
}

func allHead(ms []matcher) bool {
	for _, m := range ms {
		if !matcherHead(m) {
			return false
		}
	}
	return true
}

func fieldHead(f field) bool {
	switch f := f.(type) {
	case *fieldHeader:
		return !pseudoHeaderName(f.name)
	case *fieldQueryArg, fieldURIPath, fieldQueryString, fieldMethod:
		return true
	}
	return false
}

// pseudoHeaderName reports whether name is one of the headers the proxy
// answers from the body's parse (x-poolguard-*, x-amzn-cognito-*), and
// which a client's own header of that name does not set.
func pseudoHeaderName(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "x-poolguard-") || strings.HasPrefix(n, "x-amzn-cognit")
}
