package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
)

// rawAnswer is what a raw-socket upstream writes for one request, and
// whether it hangs up afterwards.
type rawAnswer struct {
	wire   string
	hangup bool
}

// rawUpstream answers the n-th request (from 0, across connections) with
// answer(n), byte for byte, keeping the connection open unless told to
// hang up. It counts connections.
func rawUpstream(t *testing.T, answer func(n int) rawAnswer) (string, *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var conns, reqs atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					a := answer(int(reqs.Add(1) - 1))
					if _, err := io.WriteString(c, a.wire); err != nil || a.hangup {
						return
					}
				}
			}()
		}
	}()
	return "http://" + l.Addr().String(), &conns
}

func always(wire string, hangup bool) func(int) rawAnswer {
	return func(int) rawAnswer { return rawAnswer{wire, hangup} }
}

// Answers the proxy cannot frame safely are refused with Cognito's 502
// before any byte reaches the client.
func TestMalformedUpstreamAnswersAre502(t *testing.T) {
	for name, wire := range map[string]string{
		"plus length":          "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\n{}",
		"two lengths":          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
		"two chunked":          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
		"length and chunked":   "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
		"bare CR":              "HTTP/1.1 200 OK\r\nX-A: b\rContent-Length: 9\r\nContent-Length: 2\r\n\r\n{}",
		"NUL":                  "HTTP/1.1 200 OK\r\nX-A: b\x00\r\nContent-Length: 2\r\n\r\n{}",
		"space before colon":   "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\n{}",
		"interim flood":        strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 6) + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
		"short length":         "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n{}",
		"chunked cut":          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n",
		"trailer cut":          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: 1\r\n",
		"last chunk, no CRLF":  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n",
		"protocol switch":      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n{}",
		"trailer names length": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Content-Length\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			up, _ := rawUpstream(t, always(wire, true))
			p := startProxy(t, testState(), up, 5*time.Second)
			resp := call(t, p, "GetUser", `{"AccessToken":"t"}`, nil)
			body, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != http.StatusBadGateway ||
				resp.Header.Get("X-Amzn-Errortype") != "InternalErrorException:" ||
				!strings.Contains(string(body), `"__type":"InternalErrorException"`) {
				t.Fatalf("status %d, %v, %q (%v)", resp.StatusCode, resp.Header, body, err)
			}
		})
	}
}

// A body the upstream cuts after part of it was relayed aborts the client
// connection: the client sees an error, never a complete answer.
func TestUpstreamBodyCutAbortsClient(t *testing.T) {
	chunk := strings.Repeat("x", 6000)
	wire := "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	for range 4 {
		wire += "1770\r\n" + chunk + "\r\n"
	}
	for name, w := range map[string]string{
		"chunked, no last chunk": wire,
		"length, short":          "HTTP/1.1 200 OK\r\nContent-Length: 30000\r\n\r\n" + chunk + chunk,
	} {
		t.Run(name, func(t *testing.T) {
			up, _ := rawUpstream(t, always(w, true))
			p := startProxy(t, testState(), up, 5*time.Second)
			req, _ := http.NewRequest(http.MethodPost, p+"/", strings.NewReader(`{"AccessToken":"t"}`))
			req.Header.Set("X-Amz-Target", cognito.TargetPrefix+"GetUser")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return // nothing went out (fastserve sends an answer whole)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err == nil { // net/http relays the head and the first bytes, then aborts
				t.Fatalf("status %d: a cut body of %d bytes reached the client as complete", resp.StatusCode, len(body))
			}
		})
	}
}

// The connection an answer asks to close (among other tokens, or by being
// HTTP/1.0) is never used again, even when the upstream leaves it open.
func TestUpstreamConnectionNotReusedWhenClosing(t *testing.T) {
	for name, wire := range map[string]string{
		"keep-alive, close":     "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.0":              "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.0 keep-alive":   "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 (the reused)": "",
	} {
		t.Run(name, func(t *testing.T) {
			want := int64(3)
			if wire == "" {
				wire, want = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 1
			}
			up, conns := rawUpstream(t, always(wire, false))
			p := startProxy(t, testState(), up, 5*time.Second)
			for range 3 {
				resp := call(t, p, "GetUser", `{"AccessToken":"t"}`, nil)
				if body, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 || string(body) != "{}" {
					t.Fatalf("status %d %q", resp.StatusCode, body)
				}
			}
			if conns.Load() != want {
				t.Fatalf("%d upstream connections for 3 requests, want %d", conns.Load(), want)
			}
		})
	}
}

// HTTP/1.0 has no chunked coding: such a body runs to the end of the
// connection and is relayed as it came, not decoded.
func TestUpstreamHTTP10ChunkedIsNotDecoded(t *testing.T) {
	raw := "2\r\n{}\r\n0\r\n\r\n"
	up, _ := rawUpstream(t, always("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"+raw, true))
	p := startProxy(t, testState(), up, 5*time.Second)
	resp := call(t, p, "GetUser", `{"AccessToken":"t"}`, nil)
	body, err := io.ReadAll(resp.Body)
	if err != nil || string(body) != raw {
		t.Fatalf("body %q (%v), want the bytes as sent %q", body, err, raw)
	}
}
