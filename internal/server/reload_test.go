package server

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/proxy"
	"github.com/poolguard/poolguard/internal/ratelimit"
)

const reloadGood = `
upstream: {endpoint: UPSTREAM}
clients: [{client_id: c1, client_secret: s%d}]
waf: {presets: [{name: cognito-proxy, params: {RateLimit: 2000000000}}]}
`

const reloadBroken = `
upstream: {endpoint: UPSTREAM}
clients: [{client_id: c1, refresh: sideways}]
waf: {presets: [{name: no-such-preset}]}
`

// Reloads, half of them broken, while requests flow: no request fails, the
// broken configs are refused and the last good one keeps serving.
func TestReloadUnderLoadDropsNothing(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{}`))
	}))
	defer up.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "poolguard.yaml")
	write := func(body string) {
		t.Helper()
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(strings.ReplaceAll(body, "UPSTREAM", up.URL)), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write(fmt.Sprintf(reloadGood, 0))
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{Store: ratelimit.NewMemory()}
	st, err := BuildState(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(up.URL)
	h := proxy.New(st, proxy.NewUpstream(u, cfg.Upstream.Timeout, 16), slog.New(slog.DiscardHandler), nil)
	srv := httptest.NewServer(h)
	defer srv.Close()
	r := NewReloader(path, cfg, deps, h, slog.New(slog.DiscardHandler))

	stop := make(chan struct{})
	var sent, failed atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				if status := signUp(srv.URL); status != 200 {
					failed.Add(1)
				}
			}
		}()
	}
	for i := 1; i <= 100; i++ {
		if i%2 == 0 {
			write(reloadBroken)
			if r.Reload() == nil {
				t.Errorf("reload %d: a broken config was accepted", i)
			}
		} else {
			write(fmt.Sprintf(reloadGood, i))
			if err := r.Reload(); err != nil {
				t.Errorf("reload %d: %v", i, err)
			}
		}
	}
	close(stop)
	wg.Wait()
	if failed.Load() != 0 || sent.Load() == 0 {
		t.Fatalf("%d of %d requests failed during reloads", failed.Load(), sent.Load())
	}
	if r.Reloads() != 50 || r.Failures() != 50 {
		t.Fatalf("reloads %d failures %d, want 50 and 50", r.Reloads(), r.Failures())
	}
}

func signUp(base string) int {
	req, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(`{"ClientId":"c1","Username":"u","Password":"p"}`))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.SignUp")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
