package proxy

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/observe"
)

// Handler is the public endpoint. It is safe for concurrent use; Swap
// replaces its State without disturbing requests in flight.
type Handler struct {
	state    atomic.Pointer[State]
	upstream atomic.Pointer[Upstream]
	log      *slog.Logger
	observer observe.Observer
	now      func() time.Time
	degraded atomic.Pointer[func() bool]
}

// SetDegraded tells the handler how to learn whether rate rules are being
// decided on local counters (a shared store's fail_open fallback), which
// each finished request then reports.
func (h *Handler) SetDegraded(f func() bool) { h.degraded.Store(&f) }

// New returns a Handler serving st and forwarding to up. log receives
// operational errors (never secrets or request bodies); observer, which may
// be nil, receives every finished request.
func New(st *State, up *Upstream, log *slog.Logger, observer observe.Observer) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{log: log, observer: observer, now: time.Now}
	h.state.Store(st)
	h.upstream.Store(up)
	return h
}

// SwapUpstream publishes a new upstream for requests that start after it
// returns and returns the previous one, which the caller closes once the
// requests using it are done.
func (h *Handler) SwapUpstream(up *Upstream) *Upstream { return h.upstream.Swap(up) }

// Swap publishes a new State for requests that start after it returns.
func (h *Handler) Swap(st *State) { h.state.Store(st) }

// State returns the current State.
func (h *Handler) State() *State { return h.state.Load() }

// ServeHTTP handles one client request. It runs these stages in this
// order; each returns a value (an answer, a *cognito.Error, a verdict or a
// plan), and respond is the one place that writes what the client gets:
//
//  1. route: a CORS preflight, or the challenge service's own paths
//     (answered without an exchange; no observer sees them).
//  2. read (State.ReadView): method, path, headers, client IP and the body,
//     once, into the view; a request the proxy does not read gets its
//     error.
//  3. judge: Cognito's parse, the signals, the attack-protection labels
//     and the web ACL's verdict; a parse error is held back so the web ACL
//     sees (and counts) malformed calls too.
//  4. firewall: the verdict's answer (Block, CAPTCHA, Challenge, or an
//     error when the web ACL could not decide), or next.
//  5. forwardWellKnown: a GET of a pool's JWKS or OpenID configuration
//     goes upstream as a bare GET.
//  6. the parse error held back at 3, if any.
//  7. hook: the decision hook's answer for the operations it wants, or
//     next.
//  8. decide (State.Decide): operation policy, per-client protections and
//     the rewrite, giving a cognito.Plan or an error.
//  9. forward: the planned call upstream, its answer counted by the
//     outcome tracker; the answer relays Cognito's, or is the error the
//     client gets when it cannot be signed, sent or read.
//
// Every finished request but the route's is reported to the observer.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := h.state.Load()
	if a := route(r, st); a.kind != next {
		h.respond(w, r, st, nil, a)
		return
	}
	st.CORS.apply(w.Header(), r.Header.Get("Origin"))
	// Observers see the view, whose body lives in buf: release buf only
	// after finish (deferred calls run last-in, first-out).
	buf := getBuffer()
	defer buf.release()
	x := getExchange(h.now())
	defer h.finish(x)
	h.respond(w, r, st, x, h.stages(r, st, x, buf))
}

// route is the first stage: a CORS preflight and the challenge service's
// own paths are answered without reading the request as a Cognito call.
// Every other request goes on (next).
func route(r *http.Request, st *State) answer {
	switch {
	case r.Method == http.MethodOptions:
		return answer{kind: answerPreflight}
	case st.Challenge != nil && st.Challenge.Owns(r.URL.Path):
		return answer{kind: answerChallengePath}
	}
	return answer{}
}

// stages runs stages 2 to 9 of ServeHTTP and returns the first answer that
// is not next.
func (h *Handler) stages(r *http.Request, st *State, x *exchange, buf *buffer) answer {
	v := &x.view
	var readErr *cognito.Error
	if buf.b, readErr = st.ReadView(r, v, buf.b[:0]); readErr != nil {
		return fail(readErr)
	}
	parseErr, evalErr := st.judge(r.Context(), x.start, v, &x.verdict, &x.track)
	if x.track.Tracked() {
		x.out.Tracking = &x.track
	}
	if c := st.Clients[v.ClientID]; c != nil {
		x.out.UserPoolID = c.UserPoolID
	}
	if a := h.firewall(st, x, evalErr); a.kind != next {
		return a
	}
	if r.Method == http.MethodGet { // ReadView lets only the well-known documents through
		return h.forwardWellKnown(r, x, st, buf)
	}
	if parseErr != nil {
		return fail(parseErr)
	}
	if a := h.hook(r, st, x); a.kind != next {
		return a
	}
	plan, err := st.Decide(v, x.start)
	if err != nil {
		return fail(err)
	}
	return h.forward(r, x, plan, st, buf)
}

// finish reports the request and recycles its exchange.
func (h *Handler) finish(x *exchange) {
	if h.observer != nil {
		x.out.Duration = h.now().Sub(x.start)
		if f := h.degraded.Load(); f != nil && x.out.Verdict != nil {
			x.out.StoreFallback = (*f)()
		}
		h.observer.Observe(&x.out)
	}
	putExchange(x)
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
