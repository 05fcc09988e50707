package tlsserve

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/testkit/tlstest"
)

// fileServer serves HTTPS from certificate files in a temporary directory
// and returns the frontend, its address and the file paths.
func fileServer(t *testing.T, ca *tlstest.CA, c *config.TLS) (*Frontend, string) {
	t.Helper()
	f, err := New(c, "127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	})}
	go func() { _ = srv.Serve(f.Listener(l)) }()
	t.Cleanup(func() { _ = srv.Close() })
	return f, l.Addr().String()
}

func pairFiles(t *testing.T, ca *tlstest.CA, cn string) (*tlstest.Leaf, *config.TLS) {
	t.Helper()
	dir := t.TempDir()
	leaf := ca.Issue(t, cn, "localhost", "127.0.0.1")
	c := &config.TLS{CertFile: filepath.Join(dir, "fullchain.pem"), KeyFile: filepath.Join(dir, "privkey.pem"), MinVersion: "1.2"}
	tlstest.WritePair(t, leaf, c.CertFile, c.KeyFile)
	return leaf, c
}

func TestHTTP2Negotiated(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	_, c := pairFiles(t, ca, "gen-1")
	_, addr := fileServer(t, ca, c)
	for _, tc := range []struct {
		name      string
		h2        bool
		wantProto string
	}{{"h2 client", true, "HTTP/2.0"}, {"HTTP/1.1-only client", false, "HTTP/1.1"}} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}, ForceAttemptHTTP2: tc.h2}
			if !tc.h2 {
				tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
			}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr}).Get("https://localhost:" + port(addr) + "/")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.Proto != tc.wantProto || string(body) != tc.wantProto {
				t.Errorf("client saw %s, handler saw %s; want %s", resp.Proto, body, tc.wantProto)
			}
		})
	}
}

// TestModernDefaults refuses TLS 1.1 and CBC suites, and honours
// min_version 1.3.
func TestModernDefaults(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	_, c := pairFiles(t, ca, "gen-1")
	_, addr12 := fileServer(t, ca, c)
	c13 := *c
	c13.MinVersion = "1.3"
	_, addr13 := fileServer(t, ca, &c13)
	for _, tc := range []struct {
		name   string
		addr   string
		client *tls.Config
		ok     bool
	}{
		{"TLS 1.3", addr12, &tls.Config{MinVersion: tls.VersionTLS13}, true},
		{"TLS 1.2 AEAD", addr12, &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, true},
		{"TLS 1.1", addr12, &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}, false},
		{"TLS 1.2 CBC", addr12, &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}}, false},
		{"TLS 1.2 to a 1.3-only server", addr13, &tls.Config{MaxVersion: tls.VersionTLS12}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.client
			cfg.RootCAs, cfg.ServerName = ca.Pool(), "localhost"
			conn, err := tls.Dial("tcp", tc.addr, cfg)
			if err == nil {
				conn.Close()
			}
			if (err == nil) != tc.ok {
				t.Errorf("handshake error %v, want success %v", err, tc.ok)
			}
		})
	}
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func pairConfig(certPath, keyPath string) *config.TLS {
	return &config.TLS{CertFile: certPath, KeyFile: keyPath, MinVersion: "1.2"}
}
