package proxy

import (
	"net/http"
	"strconv"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/waf"
)

// firewall acts on the web ACL's verdict (from Judge; evalErr when it
// could not decide) and, unless the verdict allows the request, answers the
// client. It reports whether the request was answered.
func (h *Handler) firewall(w http.ResponseWriter, r *http.Request, st *State, x *exchange, evalErr error) bool {
	if st.WAF == nil {
		return false
	}
	vd := &x.verdict
	x.out.Verdict, x.out.WebACLName = vd, st.WAF.Name()
	if err := evalErr; err != nil {
		// The rate store could not decide. Under fail_open the Redis guard
		// decides locally and never gets here; this is fail_closed (or a
		// bug), so refuse in a shape SDKs retry.
		x.out.StoreError = true
		h.log.Warn("web ACL evaluation failed; request refused", "request_id", x.view.RequestID, "err", err)
		h.fail(w, x, cognito.Internal("The proxy could not evaluate its rules; try again."))
		return true
	}
	switch vd.Action {
	case waf.ActionAllow:
		x.out.InsertedHeaders = vd.InsertHeaders
		return false
	case waf.ActionBlock:
		h.block(w, x, vd.CustomResponse)
	case waf.ActionCaptcha:
		if !h.interstitial(w, r, st, x) {
			h.challenge(w, x, http.StatusMethodNotAllowed, "captcha")
		}
	case waf.ActionChallenge:
		if !h.interstitial(w, r, st, x) {
			h.challenge(w, x, http.StatusAccepted, "challenge")
		}
	}
	return true
}

// block answers a Block action: the rule's custom response, or Cognito's
// answer for a web ACL block.
func (h *Handler) block(w http.ResponseWriter, x *exchange, resp *waf.Response) {
	if resp == nil {
		h.fail(w, x, cognito.ErrWAFBlock)
		return
	}
	hdr := w.Header()
	for _, f := range resp.Headers {
		hdr.Add(f.Name, f.Value)
	}
	hdr.Set("X-Amzn-Requestid", x.view.RequestID)
	if resp.ContentType != "" {
		hdr.Set("Content-Type", resp.ContentType)
	}
	hdr.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	x.out.Status = resp.StatusCode
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write([]byte(resp.Body))
}

// challenge answers a CAPTCHA or Challenge action as AWS WAF does for a
// request without a token: the status and x-amzn-waf-action header.
func (h *Handler) challenge(w http.ResponseWriter, x *exchange, status int, action string) {
	w.Header().Set("X-Amzn-Waf-Action", action)
	h.fail(w, x, &cognito.Error{Status: status, Type: "ForbiddenException", Message: "Request requires a " + action + " token."})
}
