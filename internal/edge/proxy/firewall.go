package proxy

import (
	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// firewall turns the web ACL's verdict (from Judge; evalErr when it could
// not decide) into the answer: next when the verdict allows the request
// (its inserted headers then go upstream), otherwise a Block, CAPTCHA or
// Challenge answer, or an error when no verdict was reached.
func (h *Handler) firewall(st *State, x *exchange, evalErr error) answer {
	if st.WAF == nil {
		return answer{}
	}
	vd := &x.verdict
	x.out.Verdict, x.out.WebACLName = vd, st.WAF.Name()
	if err := evalErr; err != nil {
		// The rate store could not decide. Under fail_open the Redis guard
		// decides locally and never gets here; this is fail_closed (or a
		// bug), so refuse in a shape SDKs retry.
		x.out.StoreError = true
		h.log.Warn("web ACL evaluation failed; request refused", "request_id", x.view.RequestID, "err", err)
		return fail(cognito.Internal("The proxy could not evaluate its rules; try again."))
	}
	switch vd.Action {
	case waf.ActionAllow:
		x.out.InsertedHeaders = vd.InsertHeaders
		return answer{}
	case waf.ActionBlock:
		return blocked(vd.CustomResponse)
	case waf.ActionCaptcha, waf.ActionChallenge:
		return answer{kind: answerInterstitial, action: vd.Action}
	}
	return answer{kind: answerNothing} // no such action (as before: nothing written)
}
