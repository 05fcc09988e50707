package proxy

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(s int)           { d.status = s }

// BenchmarkServeInitiateAuth is the whole request path for an allowed
// InitiateAuth (parse, rewrite with secret hash and client IP, forward over
// a kept-alive loopback connection to a fast stub, relay), without the
// client side of HTTP.
func BenchmarkServeInitiateAuth(b *testing.B) {
	stub := httptest.NewServer(cognitotest.NewStub())
	defer stub.Close()
	u, _ := url.Parse(stub.URL)
	h := New(testState(), NewUpstream(u, 5*time.Second, 8), slog.New(slog.DiscardHandler), nil)
	body := []byte(`{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"` + clientID + `","AuthParameters":{"USERNAME":"alice@example.com","PASSWORD":"correct horse battery staple"},"ClientMetadata":{}}`)
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.RemoteAddr = "198.51.100.7:5555"
	w := &discardWriter{h: http.Header{}}
	rd := bytes.NewReader(body)
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		req.Body = io.NopCloser(rd)
		clear(w.h)
		h.ServeHTTP(w, req)
		if w.status != 200 {
			b.Fatalf("status %d", w.status)
		}
	}
}
