package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/testkit/tlstest"
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

// The public listener's connection cap sits below TLS: a capped TLS
// listener still speaks the HTTP/2 its handshake negotiates, and handlers
// see the TLS state. (Capping the TLS listener itself hid *tls.Conn from
// net/http, which then answered an h2 client in HTTP/1.1: every browser
// call failed.)
func TestCappedTLSListenerSpeaksHTTP2(t *testing.T) {
	ca := tlstest.NewCA(t, "poolguard server test CA")
	leaf := ca.Issue(t, "poolguard-server-test", "127.0.0.1")
	cert, err := tls.X509KeyPair(leaf.ChainPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	for _, maxConns := range []int{0, 16} {
		t.Run(fmt.Sprintf("max_connections=%d", maxConns), func(t *testing.T) {
			cfg := &config.Config{Limits: config.Limits{
				ReadHeaderTimeout: time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
				IdleTimeout: time.Second, ShutdownTimeout: time.Second, MaxHeaderBytes: 8 << 10,
				MaxConnections: maxConns, AdminMaxConnections: maxConns,
			}}
			srv := New(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, "%s tls=%t", r.Proto, r.TLS != nil)
			}), slog.New(slog.DiscardHandler))
			srv.UseTLS(&tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}, MinVersion: tls.VersionTLS12})
			public, admin := listenLocal(t), listenLocal(t)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- srv.Serve(ctx, public, admin) }()
			t.Cleanup(func() { cancel(); <-done })
			if status := get(t, "http://"+admin.Addr().String()+"/healthz"); status != http.StatusOK {
				t.Fatalf("healthz: %d", status)
			}
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
				TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}, ForceAttemptHTTP2: true}}
			t.Cleanup(client.CloseIdleConnections)
			resp, err := client.Get("https://" + public.Addr().String() + "/")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.ProtoMajor != 2 || string(body) != "HTTP/2.0 tls=true" {
				t.Errorf("answered over %s: %q; want HTTP/2.0 with the TLS state", resp.Proto, body)
			}
		})
	}
}

// listenLocal listens on a free loopback port.
func listenLocal(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}
