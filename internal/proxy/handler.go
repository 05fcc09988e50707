package proxy

import (
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/observe"
	"github.com/poolguard/poolguard/internal/request"
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
	if err := h.read(st, r, buf, v); err != nil {
		h.fail(w, x, err)
		return
	}
	parseErr := cognito.Parse(v)
	if c := st.Clients[v.ClientID]; c != nil {
		x.out.UserPoolID = c.UserPoolID
	}
	phoneErr := h.signals(st, x)
	if h.firewall(w, r, st, x) {
		return
	}
	if parseErr == nil {
		parseErr = phoneErr
	}
	if parseErr != nil {
		h.fail(w, x, parseErr)
		return
	}
	if h.hook(w, r, st, x) {
		return
	}
	plan, err := h.decide(st, v, x.start)
	if err != nil {
		h.fail(w, x, err)
		return
	}
	h.forward(w, r, x, plan, st, buf)
}

// read fills the request view: method and path checks, the body (once,
// bounded) and the client address.
func (h *Handler) read(st *State, r *http.Request, buf *buffer, v *request.View) *cognito.Error {
	peer, _ := netip.ParseAddrPort(r.RemoteAddr)
	*v = request.View{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Proto: r.Proto,
		Host: r.Host, Scheme: scheme(r), Header: r.Header,
		Target:    r.Header.Get("X-Amz-Target"),
		PeerIP:    peer.Addr().Unmap(),
		ClientIP:  st.ClientIP.ClientIP(peer.Addr(), r.Header["X-Forwarded-For"]),
		RequestID: v.RequestID, Country: "XX",
	}
	if r.Method != http.MethodPost {
		return cognito.MethodNotAllowed(r.Method)
	}
	if r.URL.Path != "/" {
		return cognito.UnknownOperation("Cognito's API is served on / only.")
	}
	body, err := buf.readBody(r.Body, st.MaxBodyBytes)
	if err != nil {
		return err
	}
	v.Body = body
	return nil
}

// decide applies the operation policy, the client rules and the rewrite.
func (h *Handler) decide(st *State, v *request.View, now time.Time) (cognito.Plan, *cognito.Error) {
	op, _ := cognito.Lookup(v.Operation)
	if err := st.Policy.Check(op); err != nil {
		return cognito.Plan{}, err
	}
	c := st.Clients[v.ClientID]
	if c == nil && v.ClientID != "" && !st.PassUnknownClients {
		return cognito.Plan{}, cognito.Forbidden("App client " + v.ClientID + " is not served by this endpoint.")
	}
	if st.Protected {
		if err := cognito.CheckRequest(st.Clients, v); err != nil {
			return cognito.Plan{}, err
		}
	}
	return st.Rewriter.Rewrite(v, c, now)
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
