package server

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// heldUpstream is an upstream that holds a SignUp for user "hold" until
// release is closed (sending on arrived when it gets one) and answers {}
// to every call. It counts its connections and sends each one's end on
// closed.
type heldUpstream struct {
	*httptest.Server
	arrived chan struct{}
	release chan struct{}
	closed  chan struct{}
	conns   atomic.Int64
	calls   atomic.Int64
}

func startHeldUpstream(t *testing.T) *heldUpstream {
	t.Helper()
	u := &heldUpstream{arrived: make(chan struct{}, 16), release: make(chan struct{}), closed: make(chan struct{}, 16)}
	u.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.calls.Add(1)
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), `"Username":"hold"`) {
			u.arrived <- struct{}{}
			<-u.release
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	u.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			u.conns.Add(1)
		case http.StateClosed:
			u.closed <- struct{}{}
		}
	}
	u.Start()
	t.Cleanup(u.Close)
	return u
}

// wait takes n values from ch, or fails the test after a bound far beyond
// any scheduling delay (a connection left open never closes).
func wait(t *testing.T, ch <-chan struct{}, n int, what string) {
	t.Helper()
	for i := range n {
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: %d of %d", what, i, n)
		}
	}
}

func signUpAs(base, user string) int {
	req, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(`{"ClientId":"c1","Username":"`+user+`","Password":"p"}`))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.SignUp")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// A reload that changes the upstream while requests are in flight on the
// old one: the requests in flight complete, new requests go to the new
// upstream, the old upstream's idle connection closes at the reload and
// each connection that carried a request closes when its request is done,
// so none of the old upstream's connections is left open.
func TestReloadClosesOldUpstreamAfterRequestsInFlight(t *testing.T) {
	old := startHeldUpstream(t)
	var newCalls atomic.Int64
	next := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		newCalls.Add(1)
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(next.Close)
	path := writeConfig(t, fmt.Sprintf(reloadGood, 0), old.URL)
	deps := Deps{Store: ratelimit.NewMemory()}
	p := serveFile(t, path, deps, nil)
	r := NewReloader(path, p.Config, deps, p.Handler, slog.New(slog.DiscardHandler))

	if s := signUpAs(p.URL, "u"); s != 200 {
		t.Fatalf("before the reload: %d", s)
	}
	const inFlight = 3
	statuses := make(chan int, inFlight)
	var wg sync.WaitGroup
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- signUpAs(p.URL, "hold")
		}()
	}
	wait(t, old.arrived, inFlight, "requests held by the old upstream")
	if s := signUpAs(p.URL, "u"); s != 200 { // leaves one idle connection
		t.Fatalf("before the reload: %d", s)
	}
	if n := old.conns.Load(); n != inFlight+1 {
		t.Fatalf("old upstream has %d connections, want %d", n, inFlight+1)
	}

	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.ReplaceAll(fmt.Sprintf(reloadGood, 1), "UPSTREAM", next.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	wait(t, old.closed, 1, "the old upstream's idle connection closed at the reload")
	if s := signUpAs(p.URL, "u"); s != 200 || newCalls.Load() != 1 {
		t.Fatalf("after the reload: status %d, new upstream saw %d calls, want 200 and 1", s, newCalls.Load())
	}

	close(old.release)
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != 200 {
			t.Fatalf("a request in flight during the reload got %d", s)
		}
	}
	wait(t, old.closed, inFlight, "the old upstream's connections closed once their requests were done")
	if n, calls := old.conns.Load(), old.calls.Load(); n != inFlight+1 || calls != inFlight+2 {
		t.Fatalf("old upstream: %d connections, %d calls; want %d and %d", n, calls, inFlight+1, inFlight+2)
	}
}
