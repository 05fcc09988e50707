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

// ServeHTTP handles one client request: read and parse it once, let the web
// ACL decide, apply the policy and the rewrite, forward, and report.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := h.state.Load()
	if r.Method == http.MethodOptions {
		st.CORS.preflight(w, r)
		return
	}
	st.CORS.apply(w.Header(), r.Header.Get("Origin"))
	if h.challengePath(w, r, st) {
		return
	}
	// Observers see the view, whose body lives in buf: release buf only
	// after finish (deferred calls run last-in, first-out).
	buf := getBuffer()
	defer buf.release()
	x := getExchange(h.now())
	defer h.finish(x)

	v := &x.view
	var readErr *cognito.Error
	if buf.b, readErr = st.ReadView(r, v, buf.b[:0]); readErr != nil {
		h.fail(w, x, readErr)
		return
	}
	parseErr, evalErr := st.judge(r.Context(), x.start, v, &x.verdict, &x.track)
	if x.track.Tracked() {
		x.out.Tracking = &x.track
	}
	if c := st.Clients[v.ClientID]; c != nil {
		x.out.UserPoolID = c.UserPoolID
	}
	if h.firewall(w, r, st, x, evalErr) {
		return
	}
	if r.Method == http.MethodGet { // ReadView lets only the well-known documents through
		h.forwardWellKnown(w, r, x, st, buf)
		return
	}
	if parseErr != nil {
		h.fail(w, x, parseErr)
		return
	}
	if h.hook(w, r, st, x) {
		return
	}
	plan, err := st.Decide(v, x.start)
	if err != nil {
		h.fail(w, x, err)
		return
	}
	h.forward(w, r, x, plan, st, buf)
}

// fail answers err in Cognito's shape.
func (h *Handler) fail(w http.ResponseWriter, x *exchange, err *cognito.Error) {
	x.out.Status, x.out.ErrorType = err.Status, err.Type
	cognito.WriteError(w, x.view.RequestID, err)
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
