package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/config"
)

// slowPeer connects to addr, sends a request head announcing a body, and
// part of the body, then sends nothing more.
func slowPeer(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, "POST /v1/reload HTTP/1.1\r\nHost: admin\r\nContent-Length: 100000\r\n\r\n{\"partial\":"); err != nil {
		t.Fatal(err)
	}
	return c
}

// An unauthenticated peer cannot hold an admin connection with an
// unfinished body: the read timeout ends it. /healthz answers while 200
// such peers hold connections, more than the admin listener's cap.
func TestHealthzAnswersWhileSlowPeersHoldAdmin(t *testing.T) {
	cfg := &config.Config{Limits: config.Limits{
		ReadHeaderTimeout: 100 * time.Millisecond, ReadTimeout: 200 * time.Millisecond,
		WriteTimeout: time.Second, IdleTimeout: 200 * time.Millisecond, ShutdownTimeout: time.Second,
		MaxHeaderBytes: 8 << 10, MaxConnections: 16, AdminMaxConnections: 16,
	}}
	srv := New(cfg, http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	public, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, public, admin) }()
	t.Cleanup(func() { cancel(); <-done })
	healthz := "http://" + admin.Addr().String() + "/healthz"
	if status := get(t, healthz); status != http.StatusOK && status != http.StatusServiceUnavailable {
		t.Fatalf("healthz before the slow peers: %d", status)
	}

	peers := make([]net.Conn, 200)
	for i := range peers {
		peers[i] = slowPeer(t, admin.Addr().String())
	}
	if status := get(t, healthz); status != http.StatusOK {
		t.Fatalf("healthz with 200 slow peers: %d", status)
	}
	for i, c := range peers {
		// A safety bound far beyond the read timeout: reaching it means
		// the server still holds the connection.
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, err := io.Copy(io.Discard, c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("slow peer %d still holds its admin connection", i)
		}
	}
}

// get returns the status of GET url, once the server reports it is serving.
func get(t *testing.T, url string) int {
	t.Helper()
	for range 100 { // Serve marks itself ready just after it starts
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			return resp.StatusCode
		}
	}
	return http.StatusServiceUnavailable
}
