// Package servetest serves a handler for tests on a loopback listener with
// the HTTP server the test run selects, so that one suite covers both
// kinds of public listener: POOLGUARD_TEST_HTTP_SERVER=fasthttp serves
// with package fastserve (http_server: fasthttp), anything else (the
// default) with net/http. scripts/test.sh runs the proxy's packages once
// with each.
package servetest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/fastserve"
)

// Env names the environment variable that selects the server.
const Env = "POOLGUARD_TEST_HTTP_SERVER"

// Kind is the server this run selects: config.ServerFastHTTP or
// config.ServerNetHTTP.
func Kind() config.HTTPServer {
	if os.Getenv(Env) == string(config.ServerFastHTTP) {
		return config.ServerFastHTTP
	}
	return config.ServerNetHTTP
}

// Server is a handler served on a loopback listener.
type Server struct {
	// URL is "http://127.0.0.1:PORT", without a trailing slash.
	URL string
	// Kind is the server serving it.
	Kind config.HTTPServer
}

// Serve serves h on a fresh loopback listener, with the selected server,
// until the test ends.
func Serve(t testing.TB, h http.Handler) *Server {
	t.Helper()
	return ServeWith(t, Kind(), h)
}

// ServeWith serves h with the server k.
func ServeWith(t testing.TB, k config.HTTPServer, h http.Handler) *Server {
	t.Helper()
	if k != config.ServerFastHTTP {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return &Server{URL: srv.URL, Kind: config.ServerNetHTTP}
	}
	return ServeFast(t, h, fastserve.Options{})
}

// ServeFast serves h with fastserve and the limits in o until the test
// ends, when it shuts the server down and checks that it stopped.
func ServeFast(t testing.TB, h http.Handler, o fastserve.Options) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := fastserve.New(h, o)
	done := make(chan error, 1)
	go func() { done <- fs.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := fs.Shutdown(ctx); err != nil {
			t.Errorf("fastserve: shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("fastserve: serve: %v", err)
		}
	})
	return &Server{URL: "http://" + l.Addr().String(), Kind: config.ServerFastHTTP}
}
