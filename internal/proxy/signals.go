package proxy

import (
	"net/http"

	"github.com/poolguard/poolguard/internal/waf"
)

// challengePath serves the reserved challenge paths and reports whether
// it did.
func (h *Handler) challengePath(w http.ResponseWriter, r *http.Request, st *State) bool {
	if st.Challenge == nil || !st.Challenge.Owns(r.URL.Path) {
		return false
	}
	st.Challenge.ServeHTTP(w, r)
	return true
}

// interstitial answers a browser stopped by a CAPTCHA or Challenge action
// with the page that solves it, and reports whether it did (API clients
// get Cognito's shape from the caller).
func (h *Handler) interstitial(w http.ResponseWriter, r *http.Request, st *State, x *exchange) bool {
	if st.Challenge == nil || !st.Challenge.Respond(w, r, x.verdict.Action) {
		return false
	}
	x.out.Status = http.StatusAccepted
	if x.verdict.Action == waf.ActionCaptcha {
		x.out.Status = http.StatusMethodNotAllowed
	}
	return true
}
