package proxy

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/request"
)

// Handler is the public endpoint. It is safe for concurrent use; Swap
// replaces its State without disturbing requests in flight.
type Handler struct {
	state    atomic.Pointer[State]
	upstream *Upstream
	log      *slog.Logger
	now      func() time.Time
}

// New returns a Handler serving st and forwarding to up. log receives
// operational errors (never secrets or request bodies).
func New(st *State, up *Upstream, log *slog.Logger) *Handler {
	h := &Handler{upstream: up, log: log, now: time.Now}
	h.state.Store(st)
	return h
}

// Swap publishes a new State for requests that start after it returns.
func (h *Handler) Swap(st *State) { h.state.Store(st) }

// State returns the current State.
func (h *Handler) State() *State { return h.state.Load() }

// ServeHTTP handles one client request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := h.state.Load()
	origin := r.Header.Get("Origin")
	if r.Method == http.MethodOptions {
		st.CORS.preflight(w, r)
		return
	}
	st.CORS.apply(w.Header(), origin)

	buf := getBuffer()
	v := request.View{RequestID: newRequestID()}
	err := h.read(st, r, buf, &v)
	var plan cognito.Plan
	if err == nil {
		plan, err = h.decide(st, &v)
	}
	// Outbound bodies hold their own references to buf: the transport may
	// close them after RoundTrip returns.
	defer buf.release()
	if err != nil {
		cognito.WriteError(w, v.RequestID, err)
		return
	}
	h.forward(w, r, &v, plan, st, buf)
}

// read builds the request view: method and path checks, the body (once,
// bounded), the client address and the Cognito fields.
func (h *Handler) read(st *State, r *http.Request, buf *buffer, v *request.View) *cognito.Error {
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
	peer, _ := netip.ParseAddrPort(r.RemoteAddr)
	xff := r.Header["X-Forwarded-For"]
	*v = request.View{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Proto: r.Proto,
		Host: r.Host, Scheme: scheme(r), Header: r.Header, Body: body,
		Target:    r.Header.Get("X-Amz-Target"),
		PeerIP:    peer.Addr().Unmap(),
		ClientIP:  st.ClientIP.ClientIP(peer.Addr(), xff),
		RequestID: v.RequestID, Country: "XX",
	}
	return cognito.Parse(v)
}

// decide applies the operation policy, the client rules and the rewrite.
func (h *Handler) decide(st *State, v *request.View) (cognito.Plan, *cognito.Error) {
	op, _ := cognito.Lookup(v.Operation)
	if err := st.Policy.Check(op); err != nil {
		return cognito.Plan{}, err
	}
	c := st.Clients[v.ClientID]
	if c == nil && v.ClientID != "" && !st.PassUnknownClients {
		return cognito.Plan{}, cognito.Forbidden("App client " + v.ClientID + " is not served by this endpoint.")
	}
	return st.Rewriter.Rewrite(v, c, h.now())
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// contextWithTimeout bounds one upstream exchange.
func contextWithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}
