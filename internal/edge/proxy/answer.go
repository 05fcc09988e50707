package proxy

import (
	"net/http"
	"strconv"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/edge/proxy/upclient"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// answerKind says what a stage of ServeHTTP decided the client gets.
type answerKind uint8

const (
	// next lets the request go on to the next stage (the zero answer).
	next answerKind = iota
	// answerPreflight is a CORS preflight, answered from State.CORS.
	answerPreflight
	// answerChallengePath is a request for the challenge service's own
	// paths, which it serves.
	answerChallengePath
	// answerError is err in Cognito's shape.
	answerError
	// answerBlock is a Block rule's custom response.
	answerBlock
	// answerChallenge is AWS WAF's answer to a CAPTCHA or Challenge action
	// for a request without a token: the action's status and
	// x-amzn-waf-action header, Cognito's error shape.
	answerChallenge
	// answerInterstitial is a web ACL's CAPTCHA or Challenge action: the
	// page that solves it for a browser, answerChallenge for other clients.
	answerInterstitial
	// answerRelay is the upstream's answer, relayed (see relayMode).
	answerRelay
	// answerNothing writes nothing: the client went away, or the web ACL
	// gave an action it does not define (net/http then sends an empty 200).
	answerNothing
)

// relayMode says how an upstream answer is relayed.
type relayMode uint8

const (
	// relayAsIs streams the answer as it came.
	relayAsIs relayMode = iota
	// relayLearning reads a sign-in's answer to learn its refresh token's
	// owner, then relays it unchanged.
	relayLearning
	// relayRebuilding rebuilds the answer with cognito.RebuildAnswer.
	relayRebuilding
)

// answer is what a stage of ServeHTTP decided: go on (the zero answer), or
// what the client gets. It is a value; respond writes it.
type answer struct {
	kind   answerKind
	err    *cognito.Error     // answerError
	custom *waf.Response      // answerBlock
	action waf.Action         // answerChallenge, answerInterstitial
	resp   *upclient.Response // answerRelay; respond closes its body
	relay  relayMode          // answerRelay
	client *cognito.Client    // answerRelay with relayRebuilding
}

// fail is the answer err, in Cognito's shape.
func fail(err *cognito.Error) answer { return answer{kind: answerError, err: err} }

// blocked is the answer to a Block action: the rule's custom response, or
// Cognito's answer for a web ACL block.
func blocked(custom *waf.Response) answer {
	if custom == nil {
		return fail(cognito.ErrWAFBlock)
	}
	return answer{kind: answerBlock, custom: custom}
}

// relayed is the answer that relays resp in mode.
func relayed(resp *upclient.Response, mode relayMode, c *cognito.Client) answer {
	return answer{kind: answerRelay, resp: resp, relay: mode, client: c}
}

// respond writes a: it is the one place ServeHTTP's answers are written. x
// is nil for the answers given before the request is read (a preflight, a
// challenge path), which no observer sees.
func (h *Handler) respond(w http.ResponseWriter, r *http.Request, st *State, x *exchange, a answer) {
	switch a.kind {
	case answerPreflight:
		st.CORS.preflight(w, r)
	case answerChallengePath:
		st.CORS.apply(w.Header(), r.Header.Get("Origin"))
		st.Challenge.ServeHTTP(w, r)
	case answerError:
		h.writeError(w, x, a.err)
	case answerBlock:
		h.writeBlock(w, x, a.custom)
	case answerChallenge:
		h.writeChallenge(w, x, a.action)
	case answerInterstitial:
		if !h.interstitial(w, r, st, x) {
			h.writeChallenge(w, x, a.action)
		}
	case answerRelay:
		defer a.resp.Body.Close()
		var err *cognito.Error
		switch a.relay {
		case relayLearning:
			err = h.relayAndLearn(w, r, x, st, a.resp)
		case relayRebuilding:
			err = h.relayRebuilt(w, r, x, st, a.resp, a.client)
		default:
			err = h.relay(w, r, x, st, a.resp)
		}
		if err != nil { // the answer failed before any of it was sent
			h.writeError(w, x, err)
		}
	case answerNothing:
	}
}

// writeError answers err in Cognito's shape.
func (h *Handler) writeError(w http.ResponseWriter, x *exchange, err *cognito.Error) {
	x.out.Status, x.out.ErrorType = err.Status, err.Type
	if err == cognito.ErrWAFBlock { // a flood's answer: encoded once
		cognito.WAFBlock.Write(w, x.view.RequestID)
		return
	}
	cognito.WriteError(w, x.view.RequestID, err)
}

// writeBlock answers a Block rule's custom response.
func (h *Handler) writeBlock(w http.ResponseWriter, x *exchange, resp *waf.Response) {
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

// writeChallenge answers a CAPTCHA or Challenge action as AWS WAF does for
// a request without a token: 405 (CAPTCHA) or 202 (Challenge) and the
// x-amzn-waf-action header.
func (h *Handler) writeChallenge(w http.ResponseWriter, x *exchange, action waf.Action) {
	status, name := http.StatusAccepted, "challenge"
	if action == waf.ActionCaptcha {
		status, name = http.StatusMethodNotAllowed, "captcha"
	}
	w.Header().Set("X-Amzn-Waf-Action", name)
	h.writeError(w, x, &cognito.Error{Status: status, Type: "ForbiddenException", Message: "Request requires a " + name + " token."})
}

// interstitial answers a browser stopped by a CAPTCHA or Challenge action
// with the page that solves it, and reports whether it did (API clients
// get Cognito's shape from respond).
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
