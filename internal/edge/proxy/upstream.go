package proxy

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/edge/proxy/upclient"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// Upstream is the Cognito endpoint and the connection pool to it.
type Upstream struct {
	url     *url.URL
	host    string
	tls     *tls.Config // what pool dials with; nil for plain HTTP
	pool    *upclient.Pool
	timeout time.Duration
}

// NewUpstream returns an Upstream for endpoint with keep-alive pooling of up
// to maxIdle connections and timeout per exchange. HTTPS endpoints are
// reached over TLS 1.2+ with HTTP/1.1.
func NewUpstream(endpoint *url.URL, timeout time.Duration, maxIdle int) *Upstream {
	u := *endpoint
	if u.Path == "" {
		u.Path = "/"
	}
	addr := u.Host
	var tlsCfg *tls.Config
	if u.Scheme == "https" {
		tlsCfg = &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
	}
	if u.Port() == "" {
		port := "80"
		if tlsCfg != nil {
			port = "443"
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	return &Upstream{url: &u, host: u.Host, tls: tlsCfg, pool: upclient.NewPool(addr, tlsCfg, maxIdle), timeout: timeout}
}

// Close closes the idle connections at once and each connection carrying
// a request when that request is done; requests that start after Close
// still work, on connections closed after their answers. A Handler closes
// an upstream it replaced (Swap).
func (u *Upstream) Close() { u.pool.Close() }

// hopByHop reports whether a header (canonical name) is connection-scoped,
// never forwarded in either direction. Expect is among them: the proxy
// holds the whole body, and an upstream 100 Continue must never be asked for.
func hopByHop(k string) bool {
	switch k {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
		"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "Expect":
		return true
	}
	return false
}

// forward sends the planned request upstream, counts Cognito's answer for
// the attack-protection tracker, and returns the answer that relays it (or
// the error the client gets when it cannot be signed, sent or read).
func (h *Handler) forward(r *http.Request, x *exchange, plan cognito.Plan, st *State, up *Upstream, buf *buffer) answer {
	ctx := r.Context()
	canonical, host := !clientSigned(&x.view, plan), up.host
	if !canonical {
		// The client signed Host, which names the proxy: Host goes as it
		// came, with the body and every header the client signed.
		host = r.Host
	} else {
		// Forward what the web ACL and the rewrite read, in one encoding
		// no upstream can read otherwise.
		buf.canon = cognito.AppendCanonical(buf.canon[:0], plan.Body)
		plan.Body = buf.canon
	}
	if plan.SignRegion != "" || len(r.Header["Connection"]) > 0 {
		// Signing needs the request as a value; so does dropping the
		// headers a Connection header names. Both are rare.
		out := up.request(ctx, r, plan, host, canonical, x.out.InsertedHeaders, st.UpstreamHeaders)
		if plan.SignRegion != "" {
			if err := h.sign(ctx, x, st, out, plan); err != nil {
				return fail(err)
			}
		}
		buf.wire = appendRequest(buf.wire[:0], out, plan.Body)
	} else {
		buf.wire = up.appendForward(buf.wire[:0], r.Header, plan, host, canonical, x.out.InsertedHeaders, st.UpstreamHeaders)
	}
	x.out.Forwarded = true
	x.out.UpstreamOperation = cognito.OperationFromTarget(plan.Target)
	sent := h.now()
	resp, err := up.pool.RoundTrip(buf.wire, sent.Add(up.timeout), buf.header())
	x.out.UpstreamLatency = h.now().Sub(sent)
	if err != nil {
		return h.upstreamError(x, err, ctx, up.timeout)
	}
	x.out.UpstreamStatus, x.out.Status = resp.StatusCode, resp.StatusCode
	x.out.UpstreamErrorType = strings.TrimSuffix(resp.Header.Get("X-Amzn-Errortype"), ":")
	if err := h.outcomesAfter(r, st, x, resp, buf); err != nil {
		resp.Body.Close()
		return fail(h.badAnswer(x, err))
	}
	if c := st.Clients[x.view.ClientID]; cognito.RebuildsAnswer(c, &x.view, resp.StatusCode, x.out.UpstreamErrorType) {
		return relayed(resp, relayRebuilding, c)
	}
	if plan.LearnUser && resp.StatusCode == http.StatusOK {
		return relayed(resp, relayLearning, nil)
	}
	return relayed(resp, relayAsIs, nil)
}

// clientSigned reports whether the client signed the request itself (an
// IAM operation the proxy forwards without signing it): its body and
// signed headers then go upstream byte for byte, or the signature breaks.
func clientSigned(v *request.View, plan cognito.Plan) bool {
	op, ok := cognito.Lookup(v.Operation)
	return ok && op.Class == cognito.IAM && plan.SignRegion == ""
}

// request builds the outbound request for host, with the web ACL's
// inserted headers; canonical sets the Content-Type of the canonical body.
func (u *Upstream) request(ctx context.Context, in *http.Request, plan cognito.Plan, host string, canonical bool, insert, fixed []waf.HeaderField) *http.Request {
	hdr := make(http.Header, len(in.Header)+1+len(insert))
	for k, vv := range in.Header {
		if forwardable(k) {
			hdr[k] = vv
		}
	}
	removeConnectionHeaders(hdr, in.Header)
	hdr["X-Amz-Target"] = []string{plan.Target}
	if canonical {
		hdr["Content-Type"] = []string{cognito.ContentType}
	}
	for _, f := range insert {
		hdr.Set(f.Name, f.Value)
	}
	for _, f := range fixed {
		hdr.Set(f.Name, f.Value)
	}
	out := &http.Request{
		Method: http.MethodPost, URL: u.url, Host: host, Header: hdr,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, ContentLength: int64(len(plan.Body)),
	}
	return out.WithContext(ctx)
}

// appendForward serializes the upstream request straight from the client's
// headers: hop-by-hop headers, Content-Length, the client's X-Amz-Target and
// any x-amzn-waf-* header it sent are dropped, and the planned target, the
// web ACL's inserted headers and the fixed headers are added. With
// canonical, the client's Content-Type is replaced by the canonical body's.
func (u *Upstream) appendForward(b []byte, in http.Header, plan cognito.Plan, host string, canonical bool, insert, fixed []waf.HeaderField) []byte {
	b = append(b, "POST "...)
	b = append(b, u.url.RequestURI()...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = appendHeaderValue(b, host)
	b = append(b, "\r\n"...)
	for k, vv := range in {
		if !forwardable(k) || overridden(k, insert) || overridden(k, fixed) || canonical && k == "Content-Type" {
			continue
		}
		for _, v := range vv {
			b = appendHeader(b, k, v)
		}
	}
	b = appendHeader(b, "X-Amz-Target", plan.Target)
	if canonical {
		b = appendHeader(b, "Content-Type", cognito.ContentType)
	}
	for _, f := range insert {
		b = appendHeader(b, f.Name, f.Value)
	}
	for _, f := range fixed {
		b = appendHeader(b, f.Name, f.Value)
	}
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(len(plan.Body)), 10)
	b = append(b, "\r\n\r\n"...)
	return append(b, plan.Body...)
}

// forwardable reports whether a client header (canonical name) goes
// upstream: not hop-by-hop, not one the proxy sets itself, and not an
// x-amzn-waf-* header, which only the web ACL may set.
func forwardable(k string) bool {
	switch {
	case hopByHop(k), k == "Host", k == "Content-Length", k == "X-Amz-Target":
		return false
	}
	return !strings.HasPrefix(k, "X-Amzn-Waf-")
}

func overridden(k string, fields []waf.HeaderField) bool {
	for _, f := range fields {
		if strings.EqualFold(k, f.Name) {
			return true
		}
	}
	return false
}

// removeConnectionHeaders drops headers named in the client's Connection header.
func removeConnectionHeaders(dst, src http.Header) {
	for _, v := range src["Connection"] {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				dst.Del(name)
			}
		}
	}
}

// copyHeaders copies the upstream's end-to-end headers to the client.
func copyHeaders(dst, src http.Header) {
	for k, vv := range src {
		if !hopByHop(k) {
			dst[k] = vv
		}
	}
	removeConnectionHeaders(dst, src)
}

var copyPool = newCopyPool()

// relay sends the upstream answer to the client. The body's first buffer
// (all of a Cognito answer) is read before anything is sent, so an answer
// that fails there returns the 502 the client gets in Cognito's shape; one
// that fails after bytes went out aborts the client connection, so that a
// cut answer never reaches the client as a complete one.
func (h *Handler) relay(w http.ResponseWriter, r *http.Request, x *exchange, st *State, resp *upclient.Response) *cognito.Error {
	buf := copyPool.get()
	defer copyPool.put(buf)
	n, err := io.ReadFull(resp.Body, *buf)
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		if resp.Ended() { // the whole body fit
			err = io.EOF
		}
	}
	if err != nil && err != io.EOF {
		return h.badAnswer(x, err)
	}
	h.sendHead(w, r, st, resp)
	_, _ = w.Write((*buf)[:n])
	if err == nil {
		h.relayRest(w, x, resp.Body, *buf)
	}
	return nil
}

// sendHead sends the answer's status and end-to-end headers.
func (h *Handler) sendHead(w http.ResponseWriter, r *http.Request, st *State, resp *upclient.Response) {
	copyHeaders(w.Header(), resp.Header)
	st.CORS.apply(w.Header(), r.Header.Get("Origin"))
	w.WriteHeader(resp.StatusCode)
}

// relayRest copies the rest of a body whose head and first bytes went out;
// a body the upstream cut aborts the client connection
// (http.ErrAbortHandler) instead of ending the answer as if complete.
func (h *Handler) relayRest(w io.Writer, x *exchange, body io.Reader, buf []byte) {
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				panic(http.ErrAbortHandler) // the client is gone
			}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			h.log.Warn("upstream body cut", "request_id", x.view.RequestID, "operation", x.view.Operation, "err", err)
			panic(http.ErrAbortHandler)
		}
	}
}

// badAnswer logs an upstream answer that failed before any of it was sent
// and returns the error the client gets instead.
func (h *Handler) badAnswer(x *exchange, err error) *cognito.Error {
	h.log.Warn("upstream answer malformed", "request_id", x.view.RequestID, "operation", x.view.Operation, "err", err)
	return cognito.Unavailable("Cognito's answer could not be read.")
}

// maxLearnBytes bounds the response read to learn a refresh-token owner.
const maxLearnBytes = 1 << 20

// relayAndLearn reads a successful sign-in answer, learns its refresh
// token's owner, and relays it unchanged. It returns the error the client
// gets when the answer cannot be read.
func (h *Handler) relayAndLearn(w http.ResponseWriter, r *http.Request, x *exchange, st *State, resp *upclient.Response) *cognito.Error {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxLearnBytes+1))
	if err != nil {
		return h.badAnswer(x, err)
	}
	complete := len(body) <= maxLearnBytes
	if complete {
		h.State().Rewriter.Learn(decoded(body, resp.Header.Get("Content-Encoding")), h.now())
	}
	h.relayRead(w, r, x, st, resp, body, complete)
	return nil
}

// relayRead relays the upstream's answer of which the proxy has read body
// (all of it when complete; the rest then streams after it).
func (h *Handler) relayRead(w http.ResponseWriter, r *http.Request, x *exchange, st *State, resp *upclient.Response, body []byte, complete bool) {
	copyHeaders(w.Header(), resp.Header)
	if complete {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	} else {
		w.Header().Del("Content-Length") // the rest streams after what was read
	}
	st.CORS.apply(w.Header(), r.Header.Get("Origin"))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	if !complete {
		buf := copyPool.get()
		defer copyPool.put(buf)
		h.relayRest(w, x, resp.Body, *buf)
	}
}

// maxRebuiltBytes bounds the answer read to rebuild it (errors and code
// deliveries are a few hundred bytes).
const maxRebuiltBytes = 64 << 10

// relayRebuilt answers with cognito.RebuildAnswer's rebuilding of the
// upstream's answer, so that the answers about a user that exists and
// about one that does not go through one writer (Replacement.Write) and
// differ only in the request id. An answer that cannot be rebuilt (not
// Cognito's JSON, or too large) is relayed as it is. It returns the error
// the client gets when the answer cannot be read.
func (h *Handler) relayRebuilt(w http.ResponseWriter, r *http.Request, x *exchange, st *State, resp *upclient.Response, c *cognito.Client) *cognito.Error {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRebuiltBytes+1))
	if err != nil {
		return h.badAnswer(x, err)
	}
	complete := len(body) <= maxRebuiltBytes
	if complete {
		plain := decoded(body, resp.Header.Get("Content-Encoding"))
		if rep := cognito.RebuildAnswer(c, &x.view, resp.StatusCode, x.out.UpstreamErrorType, plain); rep != nil {
			status, errType := rep.Write(w, x.view.RequestID)
			x.out.Status = status
			if !rep.Relayed {
				x.out.ErrorType = errType // made up by the proxy
			}
			return nil
		}
	}
	h.log.Warn("upstream answer relayed without rebuilding it", "request_id", x.view.RequestID, "operation", x.view.Operation,
		"status", resp.StatusCode, "bytes", len(body))
	h.relayRead(w, r, x, st, resp, body, complete)
	return nil
}

// decoded returns body without its gzip content encoding.
func decoded(body []byte, encoding string) []byte {
	if encoding != "gzip" {
		return body
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil
	}
	out, _ := io.ReadAll(io.LimitReader(zr, maxLearnBytes))
	return out
}

// upstreamError returns the answer to a failed exchange: a timeout or an
// unreachable upstream, each with its own message, or nothing for a client
// that went away.
func (h *Handler) upstreamError(x *exchange, err error, ctx context.Context, timeout time.Duration) answer {
	var ne net.Error
	v := &x.view
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		h.log.Warn("upstream timeout", "request_id", v.RequestID, "operation", v.Operation, "err", err)
		return fail(cognito.Timeout("Cognito did not answer within " + timeout.String() + "."))
	case errors.Is(ctx.Err(), context.Canceled):
		// The client went away; nobody is left to answer.
		x.out.Status = 499
		return answer{kind: answerNothing}
	default:
		h.log.Warn("upstream unreachable", "request_id", v.RequestID, "operation", v.Operation, "err", err)
		return fail(cognito.Unavailable("The proxy could not reach Cognito."))
	}
}
