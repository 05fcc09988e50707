package fastserve_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/fastserve"
	"github.com/poolguard/poolguard/internal/testkit/servetest"
)

// A peer that sends part of a head or a body and stops, or keeps an idle
// connection open, is cut off by the server's timeouts (slowloris), and a
// head over MaxHeaderBytes is refused.
func TestLimits(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "{}")
	})
	srv := servetest.ServeFast(t, h, fastserve.Options{
		ReadTimeout: 200 * time.Millisecond, WriteTimeout: time.Second, IdleTimeout: 200 * time.Millisecond,
		MaxHeaderBytes: 4096,
	})
	for name, c := range map[string]struct {
		send, want string
	}{
		"unfinished head": {send: "POST / HTTP/1.1\r\nHost: a\r\nX-A: b"},
		"unfinished body": {send: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n{"},
		"idle after an answer": {send: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}",
			want: "HTTP/1.1 200 OK"},
		"head too large": {send: "POST / HTTP/1.1\r\nHost: a\r\nX-A: " + strings.Repeat("a", 16<<10) + "\r\n\r\n",
			want: "HTTP/1.1 431"},
	} {
		t.Run(name, func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// A bound for the test, far above the server's timeouts.
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(conn, c.send); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(conn) // until the server closes
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("the server kept the connection open (read %q)", got)
			}
			if !strings.HasPrefix(string(got), c.want) {
				t.Errorf("got %q, want it to start with %q", got, c.want)
			}
		})
	}
}

// Shutdown stops Serve whichever comes first: a Serve whose goroutine has
// not run yet when Shutdown is called returns all the same, and a Serve
// called after Shutdown returns at once.
func TestShutdownRacingServe(t *testing.T) {
	h := http.NotFoundHandler()
	for i := range 200 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		fs := fastserve.New(h, fastserve.Options{})
		done := make(chan error, 1)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var shutErr error
		if i%2 == 0 {
			go func() { done <- fs.Serve(l) }()
			shutErr = fs.Shutdown(ctx)
		} else {
			shutErr = fs.Shutdown(ctx)
			done <- fs.Serve(l)
		}
		if shutErr != nil {
			t.Fatalf("round %d: Shutdown: %v", i, shutErr)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: Serve: %v", i, err)
			}
		case <-time.After(10 * time.Second): // a bound far above the test's own time
			t.Fatalf("round %d: Serve did not return after Shutdown", i)
		}
		cancel()
	}
}

// A request head is accepted or refused (431) at the sizes net/http
// accepts and refuses it: MaxHeaderBytes plus net/http's 4 KiB of slack,
// 1 MiB when MaxHeaderBytes is not set.
func TestHeadLimitParity(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "{}")
	})
	for _, c := range []struct {
		name     string
		max, pad int // MaxHeaderBytes, and the bytes of the one header's value
		want     string
	}{
		{"within MaxHeaderBytes", 4096, 3000, "200 {}"},
		{"within MaxHeaderBytes and the slack", 4096, 6000, "200 {}"},
		{"over MaxHeaderBytes and the slack", 4096, 9000, "431 "},
		{"over 64 KiB, within the default", 0, 100 << 10, "200 {}"},
		{"over the default", 0, 1<<20 + 8192, "431 "},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := serveBoth(t, h, fastserve.Options{MaxHeaderBytes: c.max})
			raw := "GET / HTTP/1.1\r\nHost: a\r\nX-A: " + strings.Repeat("a", c.pad) + "\r\n\r\n"
			for name, addr := range srv {
				if got := servetest.Exchange(t, addr, raw); len(got) != 1 || got[0] != c.want {
					t.Errorf("%s answered %q, want %q", name, got, c.want)
				}
			}
		})
	}
}
