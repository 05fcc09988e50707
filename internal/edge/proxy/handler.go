package proxy

import (
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/ops/observe"
)

// Handler is the public endpoint. It is safe for concurrent use; Swap
// replaces what a reload changes without disturbing requests in flight.
type Handler struct {
	live     atomic.Pointer[live]
	mu       sync.Mutex // serialises Swap and SetDegraded
	log      *slog.Logger
	observer observe.Observer
	now      func() time.Time
	// fullPathOnly turns refuseOnHead off (tests compare both paths).
	fullPathOnly bool
}

// live is everything a reload replaces, published as one value behind one
// atomic pointer: a request loads it once and uses that State, Upstream
// and degraded report from its start to its end, so it never sees a new
// State with an old upstream or the reverse. A live is never changed once
// published.
type live struct {
	state    *State
	upstream *Upstream
	// degraded reports whether rate rules are being decided on local
	// counters (a shared store's fail_open fallback); nil: never.
	degraded func() bool
}

// New returns a Handler serving st and forwarding to up. log receives
// operational errors (never secrets or request bodies); observer, which may
// be nil, receives every finished request.
func New(st *State, up *Upstream, log *slog.Logger, observer observe.Observer) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{log: log, observer: observer, now: time.Now}
	h.live.Store(&live{state: st, upstream: up})
	return h
}

// SetDegraded tells the handler how to learn whether rate rules are being
// decided on local counters (a shared store's fail_open fallback), which
// each finished request then reports.
func (h *Handler) SetDegraded(f func() bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := *h.live.Load()
	l.degraded = f
	h.live.Store(&l)
}

// Swap publishes st, and up unless it is nil, as one value for requests
// that start after it returns; requests in flight finish on what they
// started with. A replaced upstream is closed: its idle connections at
// once, each connection carrying a request when that request is done. A
// replaced decision hook closes its idle connections; its calls in flight
// finish.
func (h *Handler) Swap(st *State, up *Upstream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.live.Load()
	l := *old
	l.state = st
	if up != nil {
		l.upstream = up
	}
	h.live.Store(&l)
	if old.upstream != l.upstream {
		old.upstream.Close()
	}
	if old.state != nil && old.state.Hook != st.Hook {
		old.state.Hook.Close()
	}
}

// Close closes the current upstream and decision hook, when the server
// has stopped: their idle connections at once, connections in use when
// their requests finish.
func (h *Handler) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.live.Load()
	if l.upstream != nil {
		l.upstream.Close()
	}
	if l.state != nil {
		l.state.Hook.Close()
	}
}

// State returns the current State.
func (h *Handler) State() *State { return h.live.Load().state }

// ServeHTTP handles one client request. It runs these stages in this
// order; each returns a value (an answer, a *cognito.Error, a verdict or a
// plan), and respond is the one place that writes what the client gets:
//
//  1. route: a CORS preflight, or the challenge service's own paths
//     (answered without an exchange; no observer sees them).
//  2. refuse on the head (refuseOnHead): a flood the web ACL blocks on
//     what precedes the body (a deny list, a rate limit already exceeded)
//     is refused without reading or parsing the body.
//     read (State.ReadView): method, path, headers, client IP and the body,
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
	l := h.live.Load()
	st := l.state
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
	defer h.finish(x, l)
	h.respond(w, r, st, x, h.stages(r, st, l.upstream, x, buf))
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
func (h *Handler) stages(r *http.Request, st *State, up *Upstream, x *exchange, buf *buffer) answer {
	if a, refused := h.refuseOnHead(r, st, x); refused {
		return a
	}
	v := &x.view
	var readErr *cognito.Error
	if buf.b, readErr = st.ReadView(r, v, buf.b[:0]); readErr != nil {
		return fail(readErr)
	}
	parseErr, evalErr := st.judge(r.Context(), x.start, v, &x.verdict, &x.track, &x.memo)
	if x.track.Tracked() {
		x.out.Tracking = &x.track
	}
	x.out.UserPoolID = v.UserPool
	if a := h.firewall(st, x, evalErr); a.kind != next {
		return a
	}
	if r.Method == http.MethodGet { // ReadView lets only the well-known documents through
		return h.forwardWellKnown(r, x, st, up, buf)
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
	return h.forward(r, x, plan, st, up, buf)
}

// finish reports the request, served with l, and recycles its exchange.
func (h *Handler) finish(x *exchange, l *live) {
	if h.observer != nil {
		x.out.Duration = h.now().Sub(x.start)
		if l.degraded != nil && x.out.Verdict != nil {
			x.out.StoreFallback = l.degraded()
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
