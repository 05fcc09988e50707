package proxy

import (
	"net/http"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/phone"
	"github.com/poolguard/poolguard/internal/waf"
)

// signals labels the request (IP lists, geo, bot signals, the phone number
// it can make the pool text) and sets its country and phone number, before
// the web ACL reads them. It returns the error to answer for a request
// that names an invalid phone number, which the caller answers once the
// web ACL has seen (and counted) the request.
func (h *Handler) signals(st *State, x *exchange) *cognito.Error {
	v := &x.view
	var err *cognito.Error
	if v.BodyValidJSON {
		c := st.Clients[v.ClientID]
		err = phone.Resolve(v, c == nil || !c.NoPhoneUsernames)
	}
	st.Signals.Annotate(v)
	return err
}

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
