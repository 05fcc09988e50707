package upclient

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// upstream is a raw-socket server: answer(n) is written, byte for byte,
// for the n-th request (from 0, across connections); hangup closes the
// connection after it. It counts connections and the ones it saw end.
type upstream struct {
	addr         string
	conns, ended atomic.Int64
	reqs         atomic.Int64
}

func startUpstream(t *testing.T, answer func(n int) (wire string, hangup bool)) *upstream {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	u := &upstream{addr: l.Addr().String()}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u.conns.Add(1)
			go func() {
				defer u.ended.Add(1)
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					wire, hangup := answer(int(u.reqs.Add(1) - 1))
					if _, err := io.WriteString(c, wire); err != nil || hangup {
						return
					}
				}
			}()
		}
	}()
	return u
}

const (
	request = "POST / HTTP/1.1\r\nHost: u\r\nContent-Length: 2\r\n\r\n{}"
	ok      = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
)

// get sends one request and reads its whole answer.
func get(t *testing.T, p *Pool) (int, string, error) {
	t.Helper()
	resp, err := p.RoundTrip([]byte(request), time.Now().Add(10*time.Second), http.Header{})
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if !resp.Ended() && err == nil {
		t.Fatal("a body read to its end is not Ended")
	}
	return resp.StatusCode, string(body), err
}

func TestRoundTripReusesConnections(t *testing.T) {
	u := startUpstream(t, func(int) (string, bool) { return ok, false })
	p := NewPool(u.addr, nil, 4)
	defer p.Close()
	for range 5 {
		if status, body, err := get(t, p); err != nil || status != 200 || body != "{}" {
			t.Fatalf("%d %q %v", status, body, err)
		}
	}
	if n := u.conns.Load(); n != 1 {
		t.Fatalf("%d connections for 5 sequential requests, want 1", n)
	}
}

// A connection the upstream closed while idle is never written to: the
// request goes out on a new one.
func TestRoundTripAfterUpstreamClosedIdle(t *testing.T) {
	u := startUpstream(t, func(int) (string, bool) { return ok, true })
	p := NewPool(u.addr, nil, 4)
	defer p.Close()
	for i := range 3 {
		// The upstream has closed the previous connection (its FIN is in
		// the pool's socket) before the pool reuses it: a close that
		// crosses the next request on the wire is another case, one the
		// pool cannot tell from a dropped request and never resends.
		for deadline := time.Now().Add(10 * time.Second); u.ended.Load() < int64(i); {
			if time.Now().After(deadline) {
				t.Fatalf("the upstream did not close connection %d", i)
			}
			runtime.Gosched()
		}
		if status, body, err := get(t, p); err != nil || status != 200 || body != "{}" {
			t.Fatalf("request %d: %d %q %v", i, status, body, err)
		}
	}
	if n := u.reqs.Load(); n != 3 {
		t.Fatalf("upstream saw %d requests for 3", n)
	}
}

// A request the upstream received is never sent twice, even when it drops
// the connection without a word.
func TestRoundTripNeverResendsAReceivedRequest(t *testing.T) {
	u := startUpstream(t, func(n int) (string, bool) {
		if n == 0 {
			return ok, false
		}
		return "", true // acted on it, then gone
	})
	p := NewPool(u.addr, nil, 4)
	defer p.Close()
	if _, _, err := get(t, p); err != nil {
		t.Fatal(err)
	}
	if _, _, err := get(t, p); err == nil {
		t.Fatal("an unanswered request succeeded")
	}
	if n := u.reqs.Load(); n != 2 {
		t.Fatalf("upstream saw %d requests, want 2 (no resend)", n)
	}
}

// An answer that asks to close its connection, or cannot be framed, never
// leaves its connection in the pool.
func TestRoundTripClosingAnswers(t *testing.T) {
	for name, wire := range map[string]string{
		"connection close": "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.0":         "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}",
	} {
		t.Run(name, func(t *testing.T) {
			u := startUpstream(t, func(int) (string, bool) { return wire, false })
			p := NewPool(u.addr, nil, 4)
			defer p.Close()
			for range 2 {
				if _, _, err := get(t, p); err != nil {
					t.Fatal(err)
				}
			}
			if n := u.conns.Load(); n != 2 {
				t.Fatalf("%d connections for 2 requests, want 2", n)
			}
		})
	}
	u := startUpstream(t, func(int) (string, bool) {
		return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}", false
	})
	p := NewPool(u.addr, nil, 4)
	defer p.Close()
	if _, err := p.RoundTrip([]byte(request), time.Now().Add(10*time.Second), http.Header{}); err == nil ||
		!strings.Contains(err.Error(), "malformed") {
		t.Fatalf("two Content-Lengths: err %v", err)
	}
}

// heldUpstream answers every request {} after writing its head, holding
// the body of a request whose body is "hold" until release is closed. It
// sends each connection's end on ended.
func heldUpstream(t *testing.T, release <-chan struct{}) (addr string, ended <-chan struct{}, conns *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	end := make(chan struct{}, 16)
	conns = new(atomic.Int64)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer func() { end <- struct{}{} }()
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return // the client closed the connection
					}
					body, _ := io.ReadAll(req.Body)
					_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
					if string(body) == "hold" {
						<-release
					}
					_, _ = io.WriteString(c, "{}")
				}
			}()
		}
	}()
	return l.Addr().String(), end, conns
}

// waitEnded waits for n connection ends, or fails the test after a bound
// far beyond any scheduling delay (a connection left open never ends).
func waitEnded(t *testing.T, ended <-chan struct{}, n int, what string) {
	t.Helper()
	for i := range n {
		select {
		case <-ended:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: %d of %d connections closed", what, i, n)
		}
	}
}

// Close drains the pool: idle connections close at once; a request in
// flight completes, and its connection closes when its answer is closed;
// a request started after Close works on a connection closed after it.
// No connection is left open.
func TestCloseDrains(t *testing.T) {
	release := make(chan struct{})
	addr, ended, conns := heldUpstream(t, release)
	p := NewPool(addr, nil, 4)
	send := func(body string) *Response {
		t.Helper()
		wire := fmt.Sprintf("POST / HTTP/1.1\r\nHost: u\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		resp, err := p.RoundTrip([]byte(wire), time.Now().Add(10*time.Second), http.Header{})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	held := send("hold") // in flight: its head is read, its body held
	quick := send("{}")  // a second connection, idle once read
	if b, err := io.ReadAll(quick.Body); err != nil || string(b) != "{}" {
		t.Fatalf("%q %v", b, err)
	}
	quick.Body.Close()

	p.Close()
	waitEnded(t, ended, 1, "the idle connection after Close")
	close(release)
	if b, err := io.ReadAll(held.Body); err != nil || string(b) != "{}" {
		t.Fatalf("the request in flight at Close: %q %v", b, err)
	}
	held.Body.Close()
	waitEnded(t, ended, 1, "the in-flight connection once its answer was closed")

	late := send("{}")
	if b, err := io.ReadAll(late.Body); err != nil || string(b) != "{}" {
		t.Fatalf("a request after Close: %q %v", b, err)
	}
	late.Body.Close()
	waitEnded(t, ended, 1, "the connection of a request sent after Close")
	if n := conns.Load(); n != 3 {
		t.Fatalf("%d connections, want 3", n)
	}
	p.Close() // a second Close is harmless
}
