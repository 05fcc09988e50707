package proxy

import (
	"net/http"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/edge/hook"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// hook asks the decision hook about an operation it wants, after the web
// ACL allowed the request, and records its decision and labels in the
// verdict. Its answer is next when the hook allows or counts the request
// (or does not want it), and the hook's Block, CAPTCHA or Challenge
// answer otherwise.
func (h *Handler) hook(r *http.Request, st *State, x *exchange) answer {
	if !st.Hook.Wants(x.view.Operation) {
		return answer{}
	}
	vd := &x.verdict
	if x.out.Verdict == nil {
		// No web ACL ran: start from its default action so the log and the
		// metrics see the hook's labels and decision.
		*vd = waf.Verdict{Action: waf.ActionAllow, TerminatingRuleID: waf.DefaultActionID, Labels: vd.Labels[:0]}
		x.out.Verdict = vd
	}
	d, err := st.Hook.Decide(r.Context(), &x.view, vd.Labels)
	x.out.HookAction, x.out.HookFailure = string(d.Action), string(d.Failure)
	if err != nil {
		h.log.Debug("decision hook failed", "request_id", x.view.RequestID, "err", err)
	}
	vd.Labels = append(vd.Labels, d.Labels...)
	terminate := func(a waf.Action) {
		vd.Action, vd.TerminatingRuleID, vd.TerminatingRuleType, vd.TerminatingGroupRuleID = a, hook.RuleID, waf.RuleTypeRegular, ""
		vd.CustomResponse = nil
	}
	switch d.Action {
	case hook.Block:
		terminate(waf.ActionBlock)
		return fail(&cognito.Error{Status: d.Status, Type: d.ErrorType, Message: d.Message})
	case hook.Captcha:
		terminate(waf.ActionCaptcha)
		return answer{kind: answerChallenge, action: waf.ActionCaptcha}
	case hook.Challenge:
		terminate(waf.ActionChallenge)
		return answer{kind: answerChallenge, action: waf.ActionChallenge}
	case hook.Count:
		vd.NonTerminating = append(vd.NonTerminating, waf.RuleMatch{RuleID: hook.RuleID, Action: waf.ActionCount, Type: waf.RuleTypeRegular})
	}
	return answer{}
}
