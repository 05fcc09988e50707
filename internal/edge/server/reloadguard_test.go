package server

import (
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

const reloadFull = `upstream:
  endpoint: UPSTREAM
clients:
  - client_id: web
    client_secret: s1
  - client_id: ios
    client_secret: s2
  - client_id: android
    client_secret: s3
waf:
  presets:
    - cognito-proxy
    - {name: cognito-categories, params: {SignInRateLimit: 100, EvaluationWindowSec: 60}}
`

// reloadFixture serves reloadFull and returns a function that replaces
// the file (atomically) and reloads it.
func reloadFixture(t *testing.T) (*testProxy, *Reloader, func(body string, force bool) error) {
	t.Helper()
	up := okUpstream(t)
	path := writeConfig(t, reloadFull, up.URL)
	deps := Deps{Store: ratelimit.NewMemory()}
	p := serveFile(t, path, deps, nil)
	r := NewReloader(path, p.Config, deps, p.Handler, slog.New(slog.DiscardHandler))
	reload := func(body string, force bool) error {
		t.Helper()
		if err := os.WriteFile(path+".tmp", []byte(strings.ReplaceAll(body, "UPSTREAM", up.URL)), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			t.Fatal(err)
		}
		if force {
			return r.ReloadForce()
		}
		return r.Reload()
	}
	return p, r, reload
}

// A config file cut off at any line boundary (a reload that reads a file
// while it is being written) never leaves the proxy with most of its
// clients or web ACL rules gone: the cut file either fails to load or is
// refused, and the running config keeps serving.
func TestReloadRefusesConfigCutAtLineBoundary(t *testing.T) {
	p, _, reload := reloadFixture(t)
	full := shapeOf(p.Handler.State())
	if full.clients != 3 || full.rules < 2 {
		t.Fatalf("full config serves %+v; want 3 clients and the presets' rules", full)
	}
	lines := strings.SplitAfter(reloadFull, "\n")
	refused := 0
	for cut := 1; cut < len(lines)-1; cut++ {
		body := strings.Join(lines[:cut], "")
		err := reload(body, false)
		got := shapeOf(p.Handler.State())
		if err == nil && (shrinks(full.clients, got.clients) || shrinks(full.rules, got.rules)) {
			t.Errorf("config cut after line %d reloaded: now %+v (was %+v)\n%s", cut, got, full, body)
		}
		if errors.Is(err, ErrReloadShrinks) {
			refused++
			if got != full {
				t.Errorf("cut after line %d refused, but the proxy now serves %+v", cut, got)
			}
		}
		if err := reload(reloadFull, false); err != nil {
			t.Fatalf("restoring the full config: %v", err)
		}
	}
	if refused == 0 {
		t.Fatal("no cut config reached the shrink check (all failed to load): the test checks nothing")
	}
	t.Logf("%d of %d cut configs refused as shrinking; the others failed to load or kept most of the protection", refused, len(lines)-2)
}

// The refusal says what would be lost and how to proceed; reload_confirm
// with the new counts, or force, lets an intended change through, and a
// stale or wrong reload_confirm does not.
func TestReloadShrinkConfirmation(t *testing.T) {
	p, _, reload := reloadFixture(t)
	const bare = "upstream:\n  endpoint: UPSTREAM\n"
	err := reload(bare, false)
	if !errors.Is(err, ErrReloadShrinks) {
		t.Fatalf("reload of a config with no clients and no web ACL: %v; want ErrReloadShrinks", err)
	}
	for _, want := range []string{"0 of 3 clients", "web ACL rules", "atomically", `reload_confirm: "clients=0 rules=0"`, "force=true"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not say %q", err, want)
		}
	}
	if err := reload(bare+"reload_confirm: \"clients=3 rules=0\"\n", false); !errors.Is(err, ErrReloadShrinks) || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("reload with a reload_confirm for other counts: %v; want a refusal naming the mismatch", err)
	}
	if got := shapeOf(p.Handler.State()); got.clients != 3 {
		t.Fatalf("after refusals the proxy serves %+v; want the 3 clients", got)
	}
	if err := reload(bare+"reload_confirm: \"clients=0 rules=0\"\n", false); err != nil {
		t.Fatalf("confirmed reload: %v", err)
	}
	if got := shapeOf(p.Handler.State()); got.clients != 0 || got.rules != 0 {
		t.Fatalf("after the confirmed reload the proxy serves %+v; want nothing", got)
	}
	if err := reload(reloadFull, false); err != nil {
		t.Fatalf("growing back needs no confirmation: %v", err)
	}
	if err := reload(bare, true); err != nil {
		t.Fatalf("forced reload: %v", err)
	}
	// Removing one client of three is an ordinary change.
	if err := reload(reloadFull, false); err != nil {
		t.Fatal(err)
	}
	oneLess := strings.Replace(reloadFull, "  - client_id: android\n    client_secret: s3\n", "", 1)
	if err := reload(oneLess, false); err != nil {
		t.Fatalf("removing one of three clients: %v", err)
	}
}
