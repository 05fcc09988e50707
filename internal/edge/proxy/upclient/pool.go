package upclient

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// Pool is the client for one upstream host: the caller's goroutine takes a
// kept-alive connection, writes the whole request in one write, reads the
// answer, and returns the connection once the body has been read to its
// end. Compared with http.Transport it saves the hand-over between
// goroutines, the per-request timers and a write per request, which is most
// of a proxy's cost for Cognito's small JSON calls. A Pool is safe for
// concurrent use.
type Pool struct {
	addr        string
	tls         *tls.Config // nil for plain HTTP
	dialer      net.Dialer
	maxIdle     int
	idleTimeout time.Duration

	mu     sync.Mutex
	idle   []*upConn // most recently used last
	closed bool      // Close was called: no connection goes back to idle
}

// upConn is one upstream connection.
type upConn struct {
	net.Conn
	br       *bufio.Reader
	lastUsed time.Time
	reused   bool
}

// NewPool returns a Pool that dials addr ("host:port"), over TLS when
// tlsCfg is not nil, and keeps up to maxIdle idle connections for reuse.
func NewPool(addr string, tlsCfg *tls.Config, maxIdle int) *Pool {
	return &Pool{
		addr: addr, tls: tlsCfg, maxIdle: maxIdle, idleTimeout: 50 * time.Second,
		dialer: net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second},
	}
}

// get returns an idle connection that has not idled too long, or dials one.
func (p *Pool) get(now, deadline time.Time) (*upConn, error) {
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

func (p *Pool) dial(deadline time.Time) (*upConn, error) {
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

// put returns c for reuse, or closes it when the pool is full or closed.
func (p *Pool) put(c *upConn, now time.Time) {
	c.lastUsed = now
	p.mu.Lock()
	if !p.closed && len(p.idle) < p.maxIdle {
		p.idle = append(p.idle, c)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	c.Close()
}

// Close drains the pool: it closes every idle connection at once, and each
// connection carrying a request when that request's answer is closed, so
// that no connection outlives the requests using it. A request started
// after Close still gets its answer, on a connection closed afterwards.
// Close may be called more than once.
func (p *Pool) Close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
}

// Response is an upstream answer whose body, once read to its end and
// closed, gives the connection back to the pool.
type Response struct {
	StatusCode int
	Header     http.Header
	// Body is the response itself: read the body from it, then Close it.
	// A caller may replace it with a reader that ends by closing the
	// Response.
	Body io.ReadCloser

	pool  *Pool
	conn  *upConn
	body  io.Reader
	lb    lengthBody
	eof   bool
	close bool
}

// Read reads the body, noting its end.
func (r *Response) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	if err == io.EOF {
		r.eof = true
	}
	return n, err
}

// Close releases the connection: back to the pool after a complete body,
// closed otherwise.
func (r *Response) Close() error {
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

// Ended reports whether the body has been read to its end (a Read
// returned io.EOF).
func (r *Response) Ended() bool { return r.eof }

// RoundTrip sends wire, one whole serialized HTTP/1.1 request (head and
// body), and returns the answer with its head read and its headers parsed
// into hdr (cleared first; the Response keeps it). deadline bounds the
// dial, the write and every read of the answer, body included. A request
// that could not be written on a reused connection is sent once more on a
// new one; a request that went out is never sent twice. The caller must
// close the Response's Body.
func (p *Pool) RoundTrip(wire []byte, deadline time.Time, hdr http.Header) (*Response, error) {
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
func (p *Pool) exchange(c *upConn, wire []byte, deadline time.Time, hdr http.Header) (resp *Response, written bool, err error) {
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
	r := &Response{StatusCode: hd.status, Header: hd.header, pool: p, conn: c, close: hd.close}
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
