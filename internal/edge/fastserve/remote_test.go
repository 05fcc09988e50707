package fastserve_test

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/fastserve"
)

// The handler sees the peer's address as net/http gives it: the client's
// own "ip:port", an IPv4 client of a dual-stack listener (":port", as a
// listen address without a host) included, never the IPv4-mapped
// "[::ffff:1.2.3.4]:port" that IP lists and rate keys would not match as
// IPv4.
func TestRemoteAddr(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.RemoteAddr)
	})
	addr := map[string]string{}
	for _, name := range []string{"net/http", "fasthttp"} {
		l, err := net.Listen("tcp", ":0")
		if err != nil {
			t.Fatal(err)
		}
		addr[name] = l.Addr().String()
		if name == "net/http" {
			std := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}
			go func() { _ = std.Serve(l) }()
			t.Cleanup(func() { _ = std.Close() })
			continue
		}
		fs := fastserve.New(h, fastserve.Options{})
		done := make(chan error, 1)
		go func() { done <- fs.Serve(l) }()
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = fs.Shutdown(ctx)
			<-done
		})
	}
	if ip := net.ParseIP(host(t, addr["fasthttp"])); ip.To4() != nil {
		t.Logf("the listener is IPv4 only (%s): no IPv4-mapped peers to see", addr["fasthttp"])
	}
	for _, client := range []string{"127.0.0.1", "::1"} {
		for name, a := range addr {
			_, port, _ := net.SplitHostPort(a)
			c, err := net.Dial("tcp", net.JoinHostPort(client, port))
			if err != nil {
				t.Logf("%s: no %s loopback here: %v", name, client, err)
				continue
			}
			_ = c.SetDeadline(time.Now().Add(5 * time.Second)) // a bound for the test
			_, _ = io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
			b, _ := io.ReadAll(c)
			c.Close()
			want := c.LocalAddr().String()
			if got := tail(string(b)); got != want {
				t.Errorf("%s, client %s: the handler saw RemoteAddr %q, want %q", name, client, got, want)
			}
		}
	}
}

// host returns the host of a "host:port" address.
func host(t *testing.T, a string) string {
	t.Helper()
	h, _, err := net.SplitHostPort(a)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// tail returns the body of a raw answer: what follows its head.
func tail(raw string) string {
	for i := 0; i+4 <= len(raw); i++ {
		if raw[i:i+4] == "\r\n\r\n" {
			return raw[i+4:]
		}
	}
	return raw
}
