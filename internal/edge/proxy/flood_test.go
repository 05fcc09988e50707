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
	_, h := proxytest.Serve(t, cfg, server.Deps{}, nil, nil)
	body := `{"ClientId":"app1","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"u","PASSWORD":"p"}}`
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
