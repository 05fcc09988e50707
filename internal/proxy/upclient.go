package proxy

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// connPool is a lean HTTP/1.1 client for one upstream host: the handler's
// goroutine takes a kept-alive connection, writes the whole request in one
// write, reads the answer, and returns the connection once the body has been
// read to its end. Compared with http.Transport it saves the hand-over
// between goroutines, the per-request timers and a write per request, which
// is most of a proxy's cost for Cognito's small JSON calls.
type connPool struct {
	addr        string
	tls         *tls.Config // nil for plain HTTP
	dialer      net.Dialer
	maxIdle     int
	idleTimeout time.Duration

	mu   sync.Mutex
	idle []*upConn // most recently used last
}

// upConn is one upstream connection.
type upConn struct {
	net.Conn
	br       *bufio.Reader
	lastUsed time.Time
	reused   bool
}

func newConnPool(addr string, tlsCfg *tls.Config, maxIdle int) *connPool {
	return &connPool{
		addr: addr, tls: tlsCfg, maxIdle: maxIdle, idleTimeout: 50 * time.Second,
		dialer: net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second},
	}
}

// get returns an idle connection that has not idled too long, or dials one.
func (p *connPool) get(now, deadline time.Time) (*upConn, error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		c := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if now.Sub(c.lastUsed) < p.idleTimeout && c.br.Buffered() == 0 {
			p.mu.Unlock()
			if alive(c.Conn) {
				c.reused = true
				return c, nil
			}
			c.Close()
			p.mu.Lock()
			continue
		}
		c.Close()
	}
	p.mu.Unlock()
	return p.dial(deadline)
}

func (p *connPool) dial(deadline time.Time) (*upConn, error) {
	d := p.dialer
	d.Deadline = deadline
	conn, err := d.Dial("tcp", p.addr)
	if err != nil {
		return nil, err
	}
	if p.tls != nil {
		tc := tls.Client(conn, p.tls)
		_ = tc.SetDeadline(deadline)
		if err := tc.Handshake(); err != nil {
			conn.Close()
			return nil, err
		}
		conn = tc
	}
	return &upConn{Conn: conn, br: bufio.NewReaderSize(conn, 8<<10)}, nil
}

// put returns c for reuse, or closes it when the pool is full.
func (p *connPool) put(c *upConn, now time.Time) {
	c.lastUsed = now
	p.mu.Lock()
	if len(p.idle) < p.maxIdle {
		p.idle = append(p.idle, c)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	c.Close()
}

// closeIdle closes every idle connection.
func (p *connPool) closeIdle() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
}

// upResponse is an upstream answer whose body, once read to its end and
// closed, gives the connection back to the pool.
type upResponse struct {
	StatusCode int
	Header     http.Header
	// Body is the response itself: read the body from it, then Close it.
	Body io.ReadCloser

	pool  *connPool
	conn  *upConn
	body  io.Reader
	lb    lengthBody
	eof   bool
	close bool
}

// Read reads the body, noting its end.
func (r *upResponse) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	if err == io.EOF {
		r.eof = true
	}
	return n, err
}

// Close releases the connection: back to the pool after a complete body,
// closed otherwise.
func (r *upResponse) Close() error {
	if r.conn == nil {
		return nil
	}
	c := r.conn
	r.conn = nil
	if r.eof && !r.close {
		_ = c.SetDeadline(time.Time{})
		r.pool.put(c, time.Now())
		return nil
	}
	return c.Close()
}

// roundTrip sends the serialized request wire and returns the answer, its
// headers parsed into hdr (cleared first). A request that could not be
// written on a reused connection is sent once more on a new one.
func (p *connPool) roundTrip(wire []byte, deadline time.Time, hdr http.Header) (*upResponse, error) {
	for attempt := 0; ; attempt++ {
		c, err := p.get(time.Now(), deadline)
		if err != nil {
			return nil, err
		}
		resp, written, err := p.exchange(c, wire, deadline, hdr)
		if err == nil {
			return resp, nil
		}
		c.Close()
		// Resend only a request that never got out whole: one the upstream
		// received may have been acted on (an SMS sent, a code used), so
		// its fate is the client's to decide, as net/http decides for a
		// POST. Connections the upstream closed while idle are caught
		// before use (alive).
		if attempt > 0 || !c.reused || written || !closedIdle(err) {
			return nil, err
		}
	}
}

// exchange writes the serialized request on c and reads the answer's
// head. written reports whether the whole request was written.
func (p *connPool) exchange(c *upConn, wire []byte, deadline time.Time, hdr http.Header) (resp *upResponse, written bool, err error) {
	if err := c.SetDeadline(deadline); err != nil {
		return nil, false, err
	}
	if _, err := c.Write(wire); err != nil {
		return nil, false, err
	}
	hd := head{header: hdr}
	if err := readHead(c.br, &hd); err != nil {
		return nil, true, err
	}
	r := &upResponse{StatusCode: hd.status, Header: hd.header, pool: p, conn: c, close: hd.close}
	r.body = hd.body(c.br, &r.lb)
	r.Body = r
	return r, true, nil
}

// closedIdle reports whether err is how a connection the upstream closed
// while it was idle fails.
func closedIdle(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// appendRequest serializes req, with body, as an HTTP/1.1 request.
func appendRequest(b []byte, req *http.Request, body []byte) []byte {
	b = append(b, req.Method...)
	b = append(b, ' ')
	b = append(b, req.URL.RequestURI()...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, req.Host...)
	b = append(b, "\r\n"...)
	for k, vv := range req.Header {
		if k == "Host" || k == "Content-Length" {
			continue
		}
		for _, v := range vv {
			b = appendHeader(b, k, v)
		}
	}
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	return append(b, body...)
}

// appendHeader appends "k: v\r\n".
func appendHeader(b []byte, k, v string) []byte {
	b = append(b, k...)
	b = append(b, ": "...)
	b = appendHeaderValue(b, v)
	return append(b, "\r\n"...)
}

// appendHeaderValue appends v with any CR or LF replaced by a space, so no
// value can split the request.
func appendHeaderValue(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}
