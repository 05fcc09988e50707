package server

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
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
	up := okUpstream(t)
	path := writeConfig(t, fmt.Sprintf(reloadGood, 0), up.URL)
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
	deps := Deps{Store: ratelimit.NewMemory()}
	p := serveFile(t, path, deps, nil)
	srv, r := p, NewReloader(path, p.Config, deps, p.Handler, slog.New(slog.DiscardHandler))

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
			before, _ := r.LastReload()
			write(reloadBroken)
			if r.Reload() == nil {
				t.Errorf("reload %d: a broken config was accepted", i)
			}
			if at, ok := r.LastReload(); ok || !at.Equal(before) {
				t.Errorf("reload %d failed: LastReload() = %v, %v; want the previous load time, false", i, at, ok)
			}
		} else {
			write(fmt.Sprintf(reloadGood, i))
			if err := r.Reload(); err != nil {
				t.Errorf("reload %d: %v", i, err)
			}
			if _, ok := r.LastReload(); !ok {
				t.Errorf("reload %d succeeded: LastReload() reports a failure", i)
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

const carryConfig = `
upstream: {endpoint: UPSTREAM}
trusted_proxies: [127.0.0.1/32]
clients: [{client_id: c1, client_secret: SECRET}]
waf:
  presets:
    - {name: cognito-categories, params: {SignInRateLimit: 100, EvaluationWindowSec: WINDOW}}
`

// Counters carry over a reload for rules whose name and key definition did
// not change, and start afresh for a rule whose definition did.
func TestReloadCarriesCountersOver(t *testing.T) {
	up := okUpstream(t)
	path := writeConfig(t, "", "")
	write := func(secret, window string) {
		body := strings.NewReplacer("UPSTREAM", up.URL, "SECRET", secret, "WINDOW", window).Replace(carryConfig)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("s1", "60")
	deps := Deps{Store: ratelimit.NewMemory()}
	p := serveFile(t, path, deps, nil)
	srv, r := p, NewReloader(path, p.Config, deps, p.Handler, slog.New(slog.DiscardHandler))

	for i := range 60 {
		if status, _ := initiateAuth(t, srv.URL, "198.51.100.7"); status != 200 {
			t.Fatalf("request %d: %d", i+1, status)
		}
	}
	write("s2", "60") // a change elsewhere: the SignIn rule is the same
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	for i := 60; i < 100; i++ {
		if status, _ := initiateAuth(t, srv.URL, "198.51.100.7"); status != 200 {
			t.Fatalf("request %d after the reload: %d", i+1, status)
		}
	}
	if status, _ := initiateAuth(t, srv.URL, "198.51.100.7"); status != 403 {
		t.Fatalf("the 101st request across the reload: %d, want 403 (counts carried over)", status)
	}
	write("s2", "120") // the rule's window changed: a new counter
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	if status, _ := initiateAuth(t, srv.URL, "198.51.100.7"); status != 200 {
		t.Fatalf("after the rule changed: %d, want a fresh counter", status)
	}
}
