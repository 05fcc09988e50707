package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/rules/signals"
)

// reloadSlowList is reloadGood with an IP list served by SLOW.
const reloadSlowList = reloadGood + `signals:
  ip_lists:
    - {name: slow, label: "awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList", source: SLOW/list.txt, format: cidr}
`

// slowSource is an HTTP list source that answers only once released. Its
// requested channel is closed when the first request arrives.
type slowSource struct {
	URL       string
	requested chan struct{}
	release   chan struct{}
	released  sync.Once
}

// Release lets the source answer.
func (s *slowSource) Release() { s.released.Do(func() { close(s.release) }) }

func newSlowSource(t *testing.T) *slowSource {
	s := &slowSource{requested: make(chan struct{}), release: make(chan struct{})}
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(s.requested) })
		select {
		case <-s.release:
			_, _ = io.WriteString(w, "192.0.2.0/24\n")
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(s.Release) // runs before srv.Close
	s.URL = srv.URL
	return s
}

// sourcesFixture serves the config at path (reloadGood with secret s0) and
// returns a Reloader for it and a function that rewrites the file.
func sourcesFixture(t *testing.T) (*testProxy, *Reloader, func(string)) {
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
	deps := Deps{Store: ratelimit.NewMemory(), Signals: signals.NewManager(slog.New(slog.DiscardHandler), nil)}
	p := serveFile(t, path, deps, nil)
	return p, NewReloader(path, p.Config, deps, p.Handler, slog.New(slog.DiscardHandler)), write
}

// clientSecret is the secret the running state gives client c1.
func clientSecret(p *testProxy) string { return string(p.Handler.State().Clients["c1"].Secret()) }

// TestSlowSourceHoldsNoLock: a reload whose IP list download hangs holds
// no lock while it waits. Requests are served on the running config, and
// a reload started after it (of a config without that list, on the same
// signal manager) is applied while the first still waits. Released, the
// first reload is superseded: the newer config stays.
func TestSlowSourceHoldsNoLock(t *testing.T) {
	p, r, write := sourcesFixture(t)
	slow := newSlowSource(t)
	write(strings.ReplaceAll(fmt.Sprintf(reloadSlowList, 1), "SLOW", slow.URL))
	first := make(chan error, 1)
	go func() { first <- r.Reload() }()
	<-slow.requested // the first reload now waits on the list

	if status := signUp(p.URL); status != http.StatusOK {
		t.Fatalf("a request during the slow reload: status %d", status)
	}
	write(fmt.Sprintf(reloadGood, 2))
	if err := r.Reload(); err != nil {
		t.Fatalf("second reload: %v", err)
	}
	select {
	case err := <-first:
		t.Fatalf("the first reload ended (%v) before its list answered: the second one waited for it", err)
	default:
	}
	if got := clientSecret(p); got != "s2" {
		t.Fatalf("serving secret %q, want the second reload's s2", got)
	}
	slow.Release()
	if err := <-first; !errors.Is(err, ErrReloadSuperseded) {
		t.Fatalf("first reload: %v, want ErrReloadSuperseded", err)
	}
	if got := clientSecret(p); got != "s2" || r.Reloads() != 1 || r.Failures() != 0 {
		t.Fatalf("after both: secret %q, %d reloads, %d failures; want s2, 1, 0", got, r.Reloads(), r.Failures())
	}
}

// TestReloadSourcesFollowTheContext: cancelling a reload's context stops
// its list download; the reload fails naming the list and the running
// config stays.
func TestReloadSourcesFollowTheContext(t *testing.T) {
	p, r, write := sourcesFixture(t)
	slow := newSlowSource(t)
	write(strings.ReplaceAll(fmt.Sprintf(reloadSlowList, 1), "SLOW", slow.URL))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.ReloadContext(ctx, false) }()
	<-slow.requested
	cancel()
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "slow") || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled reload: %v; want the list named and context.Canceled", err)
	}
	if got := clientSecret(p); got != "s0" || r.Failures() != 1 {
		t.Fatalf("serving secret %q, %d failures; want the running s0, 1", got, r.Failures())
	}
}
