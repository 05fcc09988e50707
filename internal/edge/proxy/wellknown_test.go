package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestWellKnownPath(t *testing.T) {
	for in, want := range map[string]string{
		"/us-east-1_AbC123/.well-known/jwks.json":                       "/us-east-1_AbC123/.well-known/jwks.json",
		"/eu-west-2_x9/.well-known/openid-configuration":                "/eu-west-2_x9/.well-known/openid-configuration",
		"/us-east-1_AbC123/.well-known/jwks.json/":                      "",
		"/us-east-1_AbC123/.well-known/../.well-known/jwks.json":        "",
		"/us-east-1_AbC123/.well-known/other.json":                      "",
		"/us-east-1_AbC123/jwks.json":                                   "",
		"/.well-known/jwks.json":                                        "",
		"//.well-known/jwks.json":                                       "",
		"/us-east-1/.well-known/jwks.json":                              "",
		"/us-east-1_/.well-known/jwks.json":                             "",
		"/us east-1_a/.well-known/jwks.json":                            "",
		"/us-east-1_a-b/.well-known/jwks.json":                          "",
		"/us-east-1_a%2F/.well-known/jwks.json":                         "",
		"/../us-east-1_a/.well-known/jwks.json":                         "",
		"/us-east-1_a/.well-known/jwks.json?x":                          "",
		"/" + strings.Repeat("a", 50) + "_abcdef/.well-known/jwks.json": "",
		"/": "",
	} {
		if got := wellKnownPath(in); got != want {
			t.Errorf("wellKnownPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// seenRequest is what a request looked like to the upstream.
type seenRequest struct {
	method, uri string
	header      http.Header
}

// A GET of a pool's JWKS or OpenID configuration goes upstream as a bare
// GET of that path (nothing else of the client's request) and the answer
// comes back cacheable; every other GET, and any other method on those
// paths, is answered by the proxy and never forwarded.
func TestWellKnownDocumentsOnly(t *testing.T) {
	var mu sync.Mutex
	var seen []seenRequest
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, seenRequest{r.Method, r.RequestURI, r.Header.Clone()})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"keys":[]}`)
	}))
	defer up.Close()
	p := startProxy(t, testState(), up.URL, 5*time.Second)
	get := func(method, path string) (*http.Response, string) {
		req, _ := http.NewRequest(method, p+path, nil)
		req.Header.Set("Authorization", "Bearer secret-token")
		req.Header.Set("Cookie", "session=1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	for _, path := range []string{"/us-east-1_AbC123/.well-known/jwks.json", "/us-east-1_AbC123/.well-known/openid-configuration"} {
		resp, body := get(http.MethodGet, path+"?refresh=1")
		if resp.StatusCode != 200 || body != `{"keys":[]}` || resp.Header.Get("Cache-Control") != wellKnownMaxAge {
			t.Fatalf("GET %s: %d %v %s", path, resp.StatusCode, resp.Header, body)
		}
		mu.Lock()
		last := seen[len(seen)-1]
		mu.Unlock()
		if last.method != "GET" || last.uri != path || last.header.Get("Authorization") != "" || last.header.Get("Cookie") != "" {
			t.Fatalf("upstream saw %+v", last)
		}
	}
	forwarded := len(seen)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/"}, {"GET", "/us-east-1_AbC123/.well-known/other"}, {"GET", "/us-east-1_AbC123/userInfo"},
		{"GET", "/oauth2/userInfo"}, {"HEAD", "/us-east-1_AbC123/.well-known/jwks.json"},
		{"PUT", "/us-east-1_AbC123/.well-known/jwks.json"}, {"DELETE", "/us-east-1_AbC123/.well-known/jwks.json"},
		{"POST", "/us-east-1_AbC123/.well-known/jwks.json"},
	} {
		resp, _ := get(tc.method, tc.path)
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("%s %s: %d", tc.method, tc.path, resp.StatusCode)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != forwarded {
		t.Fatalf("forwarded %v", seen[forwarded:])
	}
}
