package signals

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const repLabel = "awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList"

// feed is an HTTP list source whose answer the test sets.
type feed struct {
	mu     sync.Mutex
	status int
	body   string
	etag   string
	gets   int
}

func (f *feed) set(status int, body, etag string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.body, f.etag = status, body, etag
}

func (f *feed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if f.etag != "" && r.Header.Get("If-None-Match") == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if f.etag != "" {
		w.Header().Set("ETag", f.etag)
	}
	w.WriteHeader(f.status)
	fmt.Fprint(w, f.body)
}

func TestListRefreshKeepsLastGoodCopy(t *testing.T) {
	f := &feed{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	f.set(200, "192.0.2.0/24\n", `"v1"`)
	l, err := NewList(ListConfig{Name: "rep", Label: repLabel, Source: srv.URL + "/list.netset?key=SECRET", Format: FormatNetset, Interval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	in, out := netip.MustParseAddr("192.0.2.9"), netip.MustParseAddr("198.51.100.1")
	ctx := context.Background()
	if err := l.Refresh(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if !l.Contains(in) || l.Contains(out) {
		t.Fatal("first load: wrong contents")
	}
	now := t0
	for _, tc := range []struct {
		name       string
		status     int
		body, etag string
		wantErr    string
	}{
		{"server error", 500, "oops", "", "500"},
		{"empty body", 200, "", "", "no entries"},
		{"garbage", 200, "<html>maintenance</html>", "", "unparsable"},
		{"comments only", 200, "# list temporarily empty\n", "", "no entries"},
		{"unchanged (304)", 200, "ignored\n", `"v1"`, ""},
	} {
		now = now.Add(time.Minute)
		if !l.Due(now) {
			t.Fatalf("%s: not due after the interval", tc.name)
		}
		f.set(tc.status, tc.body, tc.etag)
		err := l.Refresh(ctx, now)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Fatalf("%s: err = %v, want %q", tc.name, err, tc.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: the error shows the URL's query: %v", tc.name, err)
		}
		if !l.Contains(in) || l.Contains(out) || l.Status().Entries != 1 {
			t.Fatalf("%s: the last good copy was not kept (status %+v)", tc.name, l.Status())
		}
	}
	if st := l.Status(); st.Failures != 0 || st.LastError != "" {
		t.Errorf("after a good refresh, status = %+v", st)
	}
	f.set(200, "198.51.100.0/24\n", `"v2"`)
	if err := l.Refresh(ctx, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if l.Contains(in) || !l.Contains(out) {
		t.Error("a good new copy was not swapped in")
	}
}

func TestListCacheServesWhenSourceDown(t *testing.T) {
	dir := t.TempDir()
	f := &feed{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	f.set(200, "203.0.113.0/24\n", "")
	cfg := ListConfig{Name: "tor", Label: "awswaf:managed:aws:anonymous-ip-list:AnonymousIPList", Source: srv.URL, Format: FormatTor, CacheFile: filepath.Join(dir, "tor.list")}
	l, _ := NewList(cfg)
	if err := l.Refresh(context.Background(), t0); err != nil {
		t.Fatal(err)
	}
	// A restart while the source is down: the new List starts from the cache.
	f.set(503, "", "")
	l2, _ := NewList(cfg)
	err := l2.Refresh(context.Background(), t0.Add(time.Hour))
	if err == nil || !strings.Contains(err.Error(), "cached copy") {
		t.Fatalf("err = %v", err)
	}
	if !l2.Contains(netip.MustParseAddr("203.0.113.5")) {
		t.Error("cached copy not served")
	}
}

func TestListFileReloadsOnChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "drop.txt")
	write := func(s string, mod time.Time) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	write("1.10.16.0/20 ; SBL256894\n", t0)
	l, _ := NewList(ListConfig{Name: "drop", Label: repLabel, Source: path, Format: FormatSpamhaus})
	if err := l.Refresh(context.Background(), t0); err != nil {
		t.Fatal(err)
	}
	write("", t0.Add(time.Minute)) // truncated by a failed update
	if err := l.Refresh(context.Background(), t0.Add(2*time.Hour)); err == nil {
		t.Fatal("an empty file was accepted")
	}
	if !l.Contains(netip.MustParseAddr("1.10.17.1")) {
		t.Fatal("an empty file emptied the list")
	}
	write("2.56.192.0/22 ; SBL459831\n", t0.Add(2*time.Minute))
	if err := l.Refresh(context.Background(), t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if l.Contains(netip.MustParseAddr("1.10.17.1")) || !l.Contains(netip.MustParseAddr("2.56.193.1")) {
		t.Error("changed file not reloaded")
	}
}

func TestNewListChecksConfig(t *testing.T) {
	_, err := NewList(ListConfig{Name: "x", Label: "AWSManagedIPReputationList", Source: "", Format: "csv"})
	for _, want := range []string{"fully-qualified", "missing source", `unknown format "csv"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}

// genList returns n distinct prefixes in netset text: /24s and /32s over
// IPv4 and /48s over IPv6.
func genList(n int) []byte {
	var b strings.Builder
	b.Grow(n * 20)
	for i := 0; i < n; i++ {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "%d.%d.%d.0/24\n", 1+i>>16%223, i>>8&255, i&255)
		case 1:
			fmt.Fprintf(&b, "%d.%d.%d.%d\n", 1+i>>24%223, i>>16&255, i>>8&255, i&255)
		default:
			fmt.Fprintf(&b, "2001:db8:%x:%x::/64\n", i>>16, i&0xffff)
		}
	}
	return []byte(b.String())
}

func TestListLoadsMillionsQuickly(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	data := genList(2_000_000)
	path := filepath.Join(t.TempDir(), "big.netset")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	l, _ := NewList(ListConfig{Name: "big", Label: repLabel, Source: path, Format: FormatNetset})
	start := time.Now()
	if err := l.Refresh(context.Background(), t0); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("2,000,000 lines (%d MB) loaded in %v; %d prefixes", len(data)>>20, took, l.Status().Entries)
}

func BenchmarkListLoad1M(b *testing.B) {
	data := genList(1_000_000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		ps, err := ParseList(data, FormatNetset)
		if err != nil {
			b.Fatal(err)
		}
		build(ps)
	}
}

func BenchmarkListContains(b *testing.B) {
	ps, _ := ParseList(genList(1_000_000), FormatNetset)
	l, _ := NewList(ListConfig{Name: "b", Label: repLabel, Source: "x", Format: FormatNetset})
	l.table.Store(build(ps))
	a := netip.MustParseAddr("9.8.7.6")
	for b.Loop() {
		l.Contains(a)
	}
}
