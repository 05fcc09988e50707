package tlsserve

import (
	"net/http/httptest"
	"testing"
)

func TestRedirect(t *testing.T) {
	for _, tc := range []struct {
		name, port, method, host, uri string
		code                          int
		location                      string
	}{
		{"GET to 443", "443", "GET", "auth.example.com", "/x?y=1", 301, "https://auth.example.com/x?y=1"},
		{"strips the plain port", "443", "HEAD", "auth.example.com:80", "/", 301, "https://auth.example.com/"},
		{"other https port", "8443", "GET", "auth.example.com", "/", 301, "https://auth.example.com:8443/"},
		{"POST keeps its method", "443", "POST", "auth.example.com", "/", 308, "https://auth.example.com/"},
		{"bad host", "443", "GET", "evil.example/path", "/", 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "http://placeholder"+tc.uri, nil)
			r.Host = tc.host
			w := httptest.NewRecorder()
			Redirect(tc.port).ServeHTTP(w, r)
			if w.Code != tc.code || w.Header().Get("Location") != tc.location {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Header().Get("Location"), tc.code, tc.location)
			}
		})
	}
}
