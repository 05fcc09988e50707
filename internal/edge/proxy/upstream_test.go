package proxy

import (
	"bufio"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/testkit/servetest"
)

// oneShotServer answers one request per connection, then closes it without
// saying so, as an upstream closing idle keep-alive connections does. Each
// close is reported on the channel, once done.
func oneShotServer(t *testing.T) (string, *atomic.Int64, <-chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var conns atomic.Int64
	closed := make(chan struct{}, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer func() {
					c.Close()
					select {
					case closed <- struct{}{}:
					default:
					}
				}()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
			}()
		}
	}()
	return "http://" + l.Addr().String(), &conns, closed
}

func TestRetryOnConnectionClosedWhileIdle(t *testing.T) {
	up, conns, closed := oneShotServer(t)
	p := startProxy(t, testState(), up, 5*time.Second)
	for i := range 3 {
		resp := call(t, p, "GetUser", `{"AccessToken":"t"}`, nil)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != "{}" {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
		// The upstream has closed the idle connection before the next
		// request (else the close could cross that request, a race no
		// client wins without retrying a POST).
		<-closed
	}
	if conns.Load() < 3 {
		t.Fatalf("%d upstream connections for 3 requests on a closing upstream", conns.Load())
	}
}

func TestKeepAliveReusesConnections(t *testing.T) {
	var conns atomic.Int64
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{}`))
	}))
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	up.Start()
	defer up.Close()
	p := startProxy(t, testState(), up.URL, 5*time.Second)
	for range 20 {
		resp := call(t, p, "GetUser", `{"AccessToken":"t"}`, nil)
		_, _ = io.Copy(io.Discard, resp.Body)
	}
	if conns.Load() != 1 {
		t.Fatalf("%d upstream connections for 20 sequential requests, want 1", conns.Load())
	}
}

func TestChunkedAndTLSUpstream(t *testing.T) {
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(200)
		for range 3 {
			_, _ = w.Write([]byte(strings.Repeat("x", 5000)))
			w.(http.Flusher).Flush() // forces chunked encoding
		}
	}))
	defer up.Close()
	u, _ := url.Parse(up.URL)
	upstream := NewUpstream(u, 5*time.Second, 4)
	roots := x509.NewCertPool()
	roots.AddCert(up.Certificate())
	upstream.tls.RootCAs = roots
	upstream.tls.ServerName = "example.com" // httptest's certificate names example.com
	h := New(testState(), upstream, nil, nil)
	srv := servetest.Serve(t, h)
	resp := call(t, srv.URL, "GetUser", `{"AccessToken":"t"}`, nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || len(body) != 15000 {
		t.Fatalf("status %d, %d bytes", resp.StatusCode, len(body))
	}
}

func TestHeaderValuesCannotSplitTheRequest(t *testing.T) {
	req, _ := http.NewRequest("POST", "http://u/", nil)
	req.Header.Set("X-Evil", "a\r\nInjected: 1")
	wire := string(appendRequest(nil, req, []byte("{}")))
	if strings.Contains(wire, "\r\nInjected") {
		t.Fatalf("header split the request:\n%q", wire)
	}
}

// actThenDropServer reads each request, counts it, and drops the
// connection without answering, as an upstream that failed mid-answer.
func actThenDropServer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var seen atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					if seen.Add(1) == 1 {
						fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
						continue // keep the connection for the next request
					}
					return // acted on it, then gone without a word
				}
			}()
		}
	}()
	return "http://" + l.Addr().String(), &seen
}

// A request the upstream received is never sent twice, even when it
// dropped the connection without a word.
func TestNoResendAfterPartialAnswer(t *testing.T) {
	up, seen := actThenDropServer(t)
	p := startProxy(t, testState(), up, 5*time.Second)
	call(t, p, "GetUser", `{"AccessToken":"t"}`, nil)
	resp := call(t, p, "ForgotPassword", `{"ClientId":"`+clientID+`","Username":"u"}`, nil)
	if resp.StatusCode != 502 || seen.Load() != 2 {
		t.Fatalf("status %d, upstream saw %d requests; want 502 and 2 (no resend)", resp.StatusCode, seen.Load())
	}
}

// A client's Expect: 100-continue never reaches the upstream, whose 100
// answer would otherwise be taken for the whole answer.
func TestExpectNotForwarded(t *testing.T) {
	rec := &recorder{}
	up := httptest.NewServer(rec)
	defer up.Close()
	p := startProxy(t, testState(), up.URL, 5*time.Second)
	call(t, p, "GetUser", `{"AccessToken":"t"}`, map[string]string{"Expect": "100-continue"})
	if got := rec.last(t).header.Get("Expect"); got != "" {
		t.Fatalf("Expect forwarded: %q", got)
	}
}
