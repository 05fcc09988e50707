package proxy

import (
	"context"
	"net/http"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// decidesOnHead reports whether the web ACL may refuse a request on its
// head (waf.Engine.EvaluateHead): some of its rules are decidable before
// the body, and nothing that labels a request before the web ACL runs
// reads the body (an e-mail domain list, the breached-password check, the
// attack-protection tracker), so the head's labels are the whole
// request's.
func (st *State) decidesOnHead() bool {
	return st.WAF != nil && st.WAF.HeadDecidable() &&
		st.Outcomes == nil && st.Breached == nil && !st.Signals.ReadsBody()
}

// ReadHead fills v with what r says before its body (State.ReadView
// without the body; the operation named by X-Amz-Target, as cognito.Parse
// names it) and reports true when the request may be refused on its head
// (JudgeHead): a Cognito call (POST / with a body of a length the proxy
// accepts) to a State whose web ACL can decide on the head. It reports
// false, and leaves v alone, otherwise.
func (st *State) ReadHead(r *http.Request, v *request.View) bool {
	if !st.decidesOnHead() || r.Method != http.MethodPost || r.URL.Path != "/" ||
		r.ContentLength < 0 || r.ContentLength > st.MaxBodyBytes {
		return false
	}
	st.readHead(r, v)
	if name := cognito.OperationFromTarget(v.Target); name != "" {
		if _, ok := cognito.Lookup(name); ok {
			v.Operation = name
		}
	}
	return true
}

// JudgeHead runs, on a view ReadHead filled, the signals (whose labels
// then come from the head alone) and the web ACL's head evaluation
// (waf.Engine.EvaluateHead). It reports true when the web ACL blocks the
// request there, with the verdict in vd: the request is refused without
// reading its body. Otherwise the request takes the whole path (ReadView,
// Judge) with the same memo, so that each request is counted once. err is
// the web ACL's failure to decide (a rate store under fail_closed).
func (st *State) JudgeHead(ctx context.Context, now time.Time, v *request.View, vd *waf.Verdict, memo *waf.Memo) (bool, error) {
	st.Signals.Annotate(v)
	return st.WAF.EvaluateHead(ctx, now, v, vd, memo)
}

// refuseOnHead is the cheap path of a flood: a call the web ACL blocks on
// what precedes its body (a deny list, a rate limit already exceeded, a
// blocked network) is refused there, its body neither read nor parsed
// (net/http discards it). It reports the answer and true, or false when
// the request takes the whole path.
//
// The refusal, the verdict (action, terminating rule, rate details and
// counts) and the WAF log record are the whole path's, except what only
// the body tells: the record's app client id and auth flow are empty, its
// user pool (httpSourceId) is State.OnlyPool (empty when the proxy serves
// several pools or passes unlisted clients), the labels the body's phone number would add
// (poolguard:phone:*) are absent, and no hygiene check runs. No rule
// before the blocking one reads any of these, or the head would not have
// decided.
func (h *Handler) refuseOnHead(r *http.Request, st *State, x *exchange) (answer, bool) {
	if h.fullPathOnly || !st.ReadHead(r, &x.view) {
		return answer{}, false
	}
	refused, err := st.JudgeHead(r.Context(), x.start, &x.view, &x.verdict, &x.memo)
	if err == nil && !refused {
		return answer{}, false
	}
	x.out.UserPoolID = st.OnlyPool
	return h.firewall(st, x, err), true
}
