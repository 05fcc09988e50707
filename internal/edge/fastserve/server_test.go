package fastserve_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/fastserve"
	"github.com/poolguard/poolguard/internal/testkit/servetest"
)

// lockedBuffer is a bytes.Buffer the server's goroutines write to and the
// test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A handler that panics gets no answer out and its connection closed, as
// under net/http; the panic is logged with its stack, unless it is
// http.ErrAbortHandler, the handler's way to abort an answer.
func TestHandlerPanic(t *testing.T) {
	for _, c := range []struct {
		name   string
		panic  any
		logged bool
	}{
		{"a panic is logged", "boom", true},
		{"ErrAbortHandler is not", http.ErrAbortHandler, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs lockedBuffer
			log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError}))
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-A", "1")
				_, _ = io.WriteString(w, "part of an answer")
				panic(c.panic)
			})
			srv := servetest.ServeFast(t, h, fastserve.Options{Log: log})
			raw := "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
			if got := servetest.Exchange(t, strings.TrimPrefix(srv.URL, "http://"), raw); len(got) != 0 {
				t.Errorf("answers %q, want none (the connection closed)", got)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if !c.logged {
				if logs.String() != "" {
					t.Errorf("logged %q, want nothing", logs.String())
				}
				return
			}
			if len(lines) != 1 {
				t.Fatalf("logged %q, want one line", lines)
			}
			var rec struct{ Msg, Panic, Stack string }
			if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Panic != c.panic || !strings.Contains(rec.Stack, "TestHandlerPanic") {
				t.Errorf("logged %q, want the panic %q and a stack through the handler", lines[0], c.panic)
			}
		})
	}
}

// fakeListener is a net.Listener whose Accept fails with err.
type fakeListener struct{ err error }

func (l *fakeListener) Accept() (net.Conn, error) { return nil, l.err }
func (l *fakeListener) Close() error              { return nil }
func (l *fakeListener) Addr() net.Addr            { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// closedError reports a closed listener in words of its own.
type closedError struct{}

func (closedError) Error() string { return "listener gone" }
func (closedError) Unwrap() error { return net.ErrClosed }

// Serve returns the error of a listener that fails, and nil for one that
// reports itself closed (net.ErrClosed, however worded), as net/http's
// Serve returns ErrServerClosed rather than the closed listener's error.
func TestServeListenerErrors(t *testing.T) {
	broken := errors.New("accept failed")
	for _, c := range []struct {
		name      string
		err, want error
	}{
		{"a failing listener", broken, broken},
		{"a closed listener", closedError{}, nil},
		{"a closed net listener", &net.OpError{Op: "accept", Net: "tcp", Err: net.ErrClosed}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs := fastserve.New(http.NotFoundHandler(), fastserve.Options{})
			l := &fakeListener{err: c.err}
			if err := fs.Serve(l); err != c.want {
				t.Errorf("Serve returned %v, want %v", err, c.want)
			}
		})
	}
}

// Shutdown waits for the requests in flight until its context is done,
// and then returns the context's error; the request still finishes.
func TestShutdownDeadline(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "{}")
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := fastserve.New(h, fastserve.Options{})
	served := make(chan error, 1)
	go func() { served <- fs.Serve(l) }()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second)) // a bound for the test
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := fs.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown with a request in flight returned %v, want the context's error", err)
	}
	close(release)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || string(b) != "{}" {
		t.Errorf("the request in flight was answered %d %q, want 200 {}", resp.StatusCode, b)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second) // a bound for the test
	defer cancel()
	if err := fs.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown once the request finished: %v", err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}
