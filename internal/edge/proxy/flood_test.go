package proxy_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/ops/waflog"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
)

// heapAfterGC is the live heap once garbage is collected.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A blocked flood costs memory per source, never per request: a source
// refused 20,000 times (on the head path) holds what it held after its
// first refusal, and each further source adds a small fixed amount (its
// rate counters; 182 bytes when written).
func TestBlockedFloodMemoryIsPerSource(t *testing.T) {
	if testing.Short() {
		t.Skip("sends about 45,000 requests")
	}
	h := floodProxy(t, nil)
	body := floodBody
	refused := 0
	send := func(ip netip.Addr, n int) {
		for range n {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
			r.RemoteAddr = netip.AddrPortFrom(ip, 40000).String()
			r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code == http.StatusForbidden {
				refused++
			}
		}
	}

	one := netip.MustParseAddr("192.0.2.1")
	send(one, 20) // over the limit of 10
	before := heapAfterGC()
	refused = 0
	send(one, 20_000)
	grown := int64(heapAfterGC()) - int64(before)
	if refused != 20_000 {
		t.Fatalf("%d of 20,000 refused", refused)
	}
	t.Logf("one source refused 20,000 times: heap %+d bytes", grown)
	if grown > 256<<10 {
		t.Errorf("one source refused 20,000 times grew the heap by %d bytes: memory per request", grown)
	}

	const sources = 2000
	before = heapAfterGC()
	refused = 0
	base := netip.MustParseAddr("10.0.0.0").As4()
	for i := range sources {
		a := base
		a[2], a[3] = byte(i>>8), byte(i)
		send(netip.AddrFrom4(a), 12)
	}
	per := (int64(heapAfterGC()) - int64(before)) / sources
	if refused != 2*sources {
		t.Fatalf("%d refused, want %d (2 per source)", refused, 2*sources)
	}
	t.Logf("%d sources over the limit: %d bytes each", sources, per)
	if per > 2048 {
		t.Errorf("each blocked source costs %d bytes; want a small fixed cost (<= 2 KiB)", per)
	}
}

const floodBody = `{"ClientId":"app1","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"u","PASSWORD":"p"}}`

// floodProxy serves headACL (a per-IP limit of 10 among others) in front
// of an upstream answering {}; obs (may be nil) sees every request.
func floodProxy(t testing.TB, obs observe.Observer) http.Handler {
	t.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(up.Close)
	dir := t.TempDir()
	proxytest.WriteFile(t, filepath.Join(dir, "acl.json"), headACL)
	cfg := proxytest.Load(t, dir, fmt.Sprintf(`upstream: {region: us-east-1, endpoint: %s}
unknown_clients: pass
clients: [{client_id: app1}]
waf:
  name: head
  web_acl: acl.json
  ip_sets: [{name: allowed, addresses: [203.0.113.0/24]}, {name: denied, addresses: [198.51.100.0/24]}]
`, up.URL))
	_, h := proxytest.Serve(t, cfg, server.Deps{}, nil, obs)
	return h
}

// nopCloser is an io.Writer with a Close that does nothing.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// BenchmarkRefuseOnHead is one request of a flood the per-IP limit
// already refuses, through the handler (no HTTP server), its WAF log
// record encoded and written to io.Discard: the block path's own cost.
func BenchmarkRefuseOnHead(b *testing.B) {
	enc, err := waflog.NewEncoder(waflog.EncoderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	lg := waflog.NewLogger(enc, nopCloser{io.Discard}, 0)
	b.Cleanup(func() { _ = lg.Close() })
	h := floodProxy(b, lg)
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.RemoteAddr = "192.0.2.1:40000"
	r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	rd := strings.NewReader(floodBody)
	w := &headerWriter{h: http.Header{}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		rd.Reset(floodBody)
		r.Body = io.NopCloser(rd)
		r.ContentLength = int64(len(floodBody))
		clear(w.h)
		h.ServeHTTP(w, r)
		if i > 10 && w.status != http.StatusForbidden {
			b.Fatalf("request %d: status %d", i, w.status)
		}
	}
}

// headerWriter is a ResponseWriter that keeps only the status.
type headerWriter struct {
	h      http.Header
	status int
}

func (w *headerWriter) Header() http.Header         { return w.h }
func (w *headerWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *headerWriter) WriteHeader(s int)           { w.status = s }
