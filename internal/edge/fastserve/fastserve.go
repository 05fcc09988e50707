// Package fastserve serves the proxy's http.Handler on a plain-HTTP
// listener with fasthttp's server (github.com/valyala/fasthttp) instead of
// net/http's: the same handler, the same answers, for less CPU per request
// (bench/cpu.sh: a server answering a fixed 403 costs 5.2-5.6 us of CPU on
// fasthttp, 14-15 on net/http; the whole block path 13.7 against 19.7).
//
// fasthttp parses the request; an adapter hands the handler a *http.Request
// and an http.ResponseWriter as net/http would, both reused from request to
// request. Every string the handler sees is a copy (never a view of
// fasthttp's buffers), so what the handler keeps after returning (a rate
// key, a learnt alias) stays valid. Header names are canonicalised with
// net/http's own http.CanonicalHeaderKey, so the handler sees the keys it
// would see under net/http. Bodies are streamed (fasthttp's
// StreamRequestBody): the handler reads what it accepts and refuses the
// rest on its Content-Length, as under net/http.
//
// The request's Context is context.Background(): fasthttp learns that a
// client has gone only when it writes the answer, so nothing would cancel
// it, and a Shutdown lets requests in flight finish as net/http's does.
//
// TLS listeners stay on net/http (HTTP/2 by ALPN); this package serves
// plain HTTP/1.x only.
package fastserve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/net/http/httpguts"
)

// Options are the limits of a Server, as net/http's http.Server has them.
type Options struct {
	// ReadTimeout bounds reading one request, head and body; also the wait
	// for the first request of a connection.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing one answer.
	WriteTimeout time.Duration
	// IdleTimeout bounds the wait for the next request on a kept-alive
	// connection.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers together.
	MaxHeaderBytes int
	// Log receives the server's own errors (a malformed request, a
	// connection that broke) at debug level.
	Log *slog.Logger
}

// Server serves one http.Handler with fasthttp.
type Server struct {
	srv  *fasthttp.Server
	h    http.Handler
	log  *slog.Logger
	pool sync.Pool // of *call

	mu        sync.Mutex
	listeners []net.Listener // given to Serve, closed by Shutdown
	shut      bool           // Shutdown was called
}

// New returns a Server that serves h with the limits in o.
func New(h http.Handler, o Options) *Server {
	s := &Server{h: h}
	s.pool.New = func() any { return newCall() }
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s.log = log
	s.srv = &fasthttp.Server{
		Handler:                       s.serve,
		ErrorHandler:                  parseError,
		ReadTimeout:                   o.ReadTimeout,
		WriteTimeout:                  o.WriteTimeout,
		IdleTimeout:                   o.IdleTimeout,
		ReadBufferSize:                readBufferSize(o.MaxHeaderBytes),
		StreamRequestBody:             true,
		DisableHeaderNamesNormalizing: true,
		DisablePreParseMultipartForm:  true,
		NoDefaultServerHeader:         true,
		NoDefaultContentType:          true,
		CloseOnShutdown:               true,
		SecureErrorLogMessage:         true,
		Logger:                        logger{log},
	}
	return s
}

// readBufferSize is fasthttp's per-connection read buffer, which bounds the
// request head: net/http's MaxHeaderBytes (default 1 MiB) plus the 4 KiB
// slack net/http allows on top. Every open connection holds one, so the
// config's default (16 KiB) keeps max_connections of them small.
func readBufferSize(maxHeader int) int {
	if maxHeader <= 0 {
		maxHeader = http.DefaultMaxHeaderBytes
	}
	return maxHeader + 4096
}

// Serve serves connections from l until Shutdown; it returns nil after a
// Shutdown, as net/http's returns http.ErrServerClosed, and at once when
// Shutdown came first (closing l).
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.shut {
		s.mu.Unlock()
		_ = l.Close()
		return nil
	}
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	err := s.srv.Serve(l)
	if err != nil && errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits, until ctx is done, for
// requests in flight to finish; idle connections are closed at once.
//
// It closes every listener Serve was given itself: fasthttp's Shutdown
// closes only those its Serve has registered, and a Serve goroutine not
// yet scheduled would otherwise register its listener afterwards and
// accept forever.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shut = true
	ls := s.listeners
	s.listeners = nil
	s.mu.Unlock()
	for _, l := range ls {
		_ = l.Close()
	}
	err := s.srv.ShutdownWithContext(ctx)
	if errors.Is(err, net.ErrClosed) {
		return nil // fasthttp closing a listener closed above
	}
	return err
}

// parseError answers a request fasthttp could not read as net/http answers
// one: 431 for a head over the limit, 501 for a transfer coding other than
// chunked, 400 for anything malformed, with the connection closed
// (fasthttp closes it after an error).
func parseError(ctx *fasthttp.RequestCtx, err error) {
	status := http.StatusBadRequest
	var big *fasthttp.ErrSmallBuffer
	switch {
	case errors.As(err, &big):
		status = http.StatusRequestHeaderFieldsTooLarge
	case errors.Is(err, fasthttp.ErrUnsupportedTransferEncoding):
		status = http.StatusNotImplemented // as net/http refuses a coding
	}
	refuse(ctx, status)
}

// refuse answers status in plain text, as net/http refuses a request it
// cannot read, and closes the connection.
func refuse(ctx *fasthttp.RequestCtx, status int) {
	ctx.Response.Reset()
	ctx.SetStatusCode(status)
	ctx.Response.Header.SetContentType("text/plain; charset=utf-8")
	ctx.SetConnectionClose()
	ctx.SetBodyString(strconv.Itoa(status) + " " + http.StatusText(status))
}

// call is the net/http view of one fasthttp request, reused.
type call struct {
	req  http.Request
	url  url.URL
	body body
	w    writer
}

func newCall() *call {
	c := &call{}
	c.req.Header = make(http.Header, 16)
	c.w.header = make(http.Header, 8)
	return c
}

func (s *Server) serve(ctx *fasthttp.RequestCtx) {
	c := s.pool.Get().(*call)
	if status := c.fill(ctx); status != 0 {
		c.clear()
		s.pool.Put(c)
		refuse(ctx, status)
		return
	}
	if c.req.Method == http.MethodOptions && c.req.RequestURI == "*" {
		// net/http answers OPTIONS * itself, an empty 200, and never
		// hands it to the handler; fasthttp discards its body as it does
		// the body a handler leaves unread.
		c.clear()
		s.pool.Put(c)
		ctx.SetStatusCode(http.StatusOK)
		return
	}
	c.w.reset(ctx)
	defer s.recover(ctx) // c, in an unknown state after a panic, is dropped
	s.h.ServeHTTP(&c.w, &c.req)
	c.w.finish()
	c.clear()
	s.pool.Put(c)
}

// recover does what net/http does when a handler panics: the connection
// is closed without an answer (nothing of it has gone out: the answer is
// sent when the handler returns), and a panic other than
// http.ErrAbortHandler, the handler's way to abort an answer, is logged
// with its stack.
func (s *Server) recover(ctx *fasthttp.RequestCtx) {
	p := recover()
	if p == nil {
		return
	}
	if p != http.ErrAbortHandler {
		s.log.Error("panic serving a request", "remote", ctx.RemoteAddr().String(), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	}
	ctx.Response.Reset()
	ctx.SetConnectionClose()
	_ = ctx.Conn().Close()
}

// fill sets c.req from ctx, copying every string. It returns 0, or the
// status net/http refuses the request with: 505 for a version other than
// HTTP/1.x, 400 for a request target net/url does not accept.
func (c *call) fill(ctx *fasthttp.RequestCtx) int {
	r := &c.req
	h := &ctx.Request.Header
	uri := ctx.RequestURI()
	if len(uri) == 1 && uri[0] == '/' {
		c.url = url.URL{Path: "/"}
		r.URL = &c.url
		r.RequestURI = "/"
	} else {
		r.RequestURI = string(uri)
		u, err := url.ParseRequestURI(r.RequestURI)
		if err != nil {
			return http.StatusBadRequest
		}
		r.URL = u
	}
	r.Method = method(h.Method())
	r.Proto = proto(h.Protocol())
	var ok bool
	if r.ProtoMajor, r.ProtoMinor, ok = http.ParseHTTPVersion(r.Proto); !ok || r.ProtoMajor != 1 {
		return http.StatusHTTPVersionNotSupported
	}
	if !httpguts.ValidHeaderFieldName(r.Method) { // a method is a token too
		return http.StatusBadRequest
	}
	if obsFold(h.RawHeaders()) {
		// A line folded into the one before: net/http joins them,
		// fasthttp can drop the field, so the two would see different
		// headers. RFC 9112 5.2 lets a server refuse it instead.
		return http.StatusBadRequest
	}
	// net/http refuses a header whose name is not a token or whose value
	// holds control characters; fasthttp lets some through.
	hosts := 0
	for k, v := range h.AllInOrder() {
		if !httpguts.ValidHeaderFieldName(string(k)) || !httpguts.ValidHeaderFieldValue(string(v)) {
			return http.StatusBadRequest
		}
		name := canonical(k)
		switch name {
		case "Host":
			hosts++
			if !httpguts.ValidHostHeader(string(v)) { // whatever the target says
				return http.StatusBadRequest
			}
			continue // r.Host below, as net/http
		case "Transfer-Encoding":
			// net/http accepts one field of chunked alone, in any case,
			// and refuses any other coding with 501; fasthttp refuses
			// the others but for identity, which it ignores, framing the
			// body by its Content-Length: a body net/http never reads.
			if !bytes.EqualFold(v, []byte("chunked")) {
				return http.StatusNotImplemented
			}
			r.TransferEncoding = append(r.TransferEncoding[:0], "chunked") // as net/http spells it
			continue
		}
		r.Header[name] = append(r.Header[name], string(v))
	}
	if hosts > 1 || (hosts == 0 && r.ProtoAtLeast(1, 1)) {
		// net/http wants one Host from HTTP/1.1 on (fasthttp from 1.1 only)
		return http.StatusBadRequest
	}
	if len(r.TransferEncoding) > 0 {
		// The body is chunked; net/http drops a Content-Length sent
		// with it (fasthttp answers and then closes the connection),
		// and the Trailer field, which announces the trailers.
		delete(r.Header, "Content-Length")
		delete(r.Header, "Trailer")
	}
	r.Host = string(h.Host())
	if r.URL.Host != "" {
		r.Host = r.URL.Host // absolute-form wins over Host, as net/http
	}
	// As net/http: the peer's address as its net.Addr writes it (an
	// IPv4 peer of a dual-stack listener is "1.2.3.4:port", not
	// "[::ffff:1.2.3.4]:port").
	r.RemoteAddr = ctx.RemoteAddr().String()
	r.Close = h.ConnectionClose()
	n := h.ContentLength() // -1: chunked
	if n < -1 {
		n = 0 // -2: no body (no Content-Length, no Transfer-Encoding)
	}
	r.ContentLength = int64(n)
	if ex := r.Header["Expect"]; len(ex) > 0 && ex[0] != "" && !httpguts.HeaderValuesContainsToken(ex[:1], "100-continue") {
		// net/http's rule: an expectation other than 100-continue (which
		// fasthttp has answered) is refused.
		return http.StatusExpectationFailed
	}
	if r.ContentLength == 0 {
		r.Body = http.NoBody
	} else {
		// With StreamRequestBody, fasthttp gives every request with a
		// body a stream (a short body is buffered behind it).
		c.body.r = ctx.RequestBodyStream()
		r.Body = &c.body
	}
	return 0
}

// clear drops what the request referred to, so that a pooled call keeps
// no request's data alive.
func (c *call) clear() {
	r := &c.req
	clear(r.Header)
	r.TransferEncoding = r.TransferEncoding[:0]
	r.URL, r.Body, r.Host, r.RemoteAddr, r.RequestURI = nil, nil, "", "", ""
	c.url = url.URL{}
	c.body = body{}
	c.w.clear()
}

// obsFold reports whether a raw header block has a line that starts with
// a space or a tab: a continuation of the line before (obs-fold).
func obsFold(raw []byte) bool {
	return bytes.Contains(raw, []byte("\n ")) || bytes.Contains(raw, []byte("\n\t"))
}

// method returns m as a string, without allocating for the common ones.
func method(m []byte) string {
	switch string(m) {
	case http.MethodPost:
		return http.MethodPost
	case http.MethodGet:
		return http.MethodGet
	case http.MethodOptions:
		return http.MethodOptions
	case http.MethodHead:
		return http.MethodHead
	}
	return string(m)
}

// proto returns p as a string, without allocating for HTTP/1.1 and 1.0.
func proto(p []byte) string {
	switch string(p) {
	case "HTTP/1.1":
		return "HTTP/1.1"
	case "HTTP/1.0":
		return "HTTP/1.0"
	}
	return string(p)
}

// names caches http.CanonicalHeaderKey of the header names seen, so the
// common ones cost a map read; it stops growing at maxNames (a client
// inventing names costs an allocation per name, no memory).
var names sync.Map // string -> string

const maxNames = 1024

var nameCount atomic.Int64

func canonical(k []byte) string {
	if v, ok := names.Load(string(k)); ok {
		return v.(string)
	}
	c := http.CanonicalHeaderKey(string(k))
	if nameCount.Load() < maxNames {
		if _, loaded := names.LoadOrStore(string(k), c); !loaded {
			nameCount.Add(1)
		}
	}
	return c
}

// body is the request body: fasthttp's stream.
type body struct {
	r io.Reader
}

func (b *body) Read(p []byte) (int, error) { return b.r.Read(p) }

// Close does nothing: fasthttp discards what the handler left unread
// before it reads the next request.
func (b *body) Close() error { return nil }

// writer is the http.ResponseWriter of one request: headers and status are
// kept until the handler returns or first writes, then copied to
// fasthttp's response; the body is appended to it.
type writer struct {
	ctx         *fasthttp.RequestCtx
	header      http.Header
	status      int
	wroteHeader bool
	sniff       bool     // the answer's Content-Type is to be sniffed from its body
	keys        []string // scratch for WriteHeader
}

func (w *writer) reset(ctx *fasthttp.RequestCtx) {
	w.ctx, w.status, w.wroteHeader = ctx, http.StatusOK, false
}

func (w *writer) clear() {
	clear(w.header)
	w.ctx = nil
}

// Header returns the header map the answer will carry.
func (w *writer) Header() http.Header { return w.header }

// WriteHeader sets the status and freezes the headers, as net/http's.
func (w *writer) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	if code < 100 || code > 999 {
		panic("fastserve: invalid WriteHeader code " + strconv.Itoa(code))
	}
	if code < 200 { // informational answers are not relayed
		return
	}
	w.wroteHeader = true
	w.status = code
	_, haveType := w.header["Content-Type"]
	w.sniff = !haveType && bodyAllowed(code)
	rh := &w.ctx.Response.Header
	rh.SetStatusCode(code)
	// In key order, as net/http writes them (after the Date, Content-Type
	// and Content-Length fasthttp writes first).
	w.keys = w.keys[:0]
	for k := range w.header {
		w.keys = append(w.keys, k)
	}
	slices.Sort(w.keys)
	for _, k := range w.keys {
		vs := w.header[k]
		switch k {
		case "Content-Length", "Transfer-Encoding", "Date":
			// fasthttp frames the answer itself; Date it sets (its
			// own: it ignores a handler's).
			continue
		case "Content-Type":
			if len(vs) > 0 {
				rh.SetContentType(vs[0])
			}
			continue
		}
		for _, v := range vs {
			// A Connection of close ends the connection, as under
			// net/http (fasthttp also ends it for a close among other
			// tokens, or in capitals, where net/http keeps it).
			rh.Add(k, v)
		}
	}
}

// Write appends p to the answer's body.
func (w *writer) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(w.status)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	return w.ctx.Write(p)
}

// Flush does nothing: the answer goes out whole when the handler returns.
func (w *writer) Flush() {}

// finish completes the answer when the handler returns. An answer
// without a Content-Type gets the one sniffed from its body, as net/http
// sniffs what the handler wrote before its first flush (the whole answer
// here: Flush does nothing), however many Writes wrote it and whether or
// not WriteHeader came first.
func (w *writer) finish() {
	if !w.wroteHeader {
		w.WriteHeader(w.status)
	}
	if b := w.ctx.Response.Body(); w.sniff && len(b) > 0 {
		w.ctx.Response.Header.SetContentType(http.DetectContentType(b))
	}
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

type logger struct{ l *slog.Logger }

func (l logger) Printf(format string, args ...any) {
	l.l.Debug("fasthttp", "msg", fmt.Sprintf(format, args...))
}
