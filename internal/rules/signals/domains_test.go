package signals

import (
	"context"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/email"
)

const disposable = "poolguard:email:disposable"

func TestParseDomains(t *testing.T) {
	d, err := ParseDomains([]byte("# disposable\nMailinator.com\n\nguerrillamail.com  # comment\nbücher.example\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dom := range []string{"mailinator.com", "guerrillamail.com", "xn--bcher-kva.example"} {
		if !d.Contains(dom) {
			t.Errorf("%s missing", dom)
		}
	}
	for _, bad := range []string{"", "# only a comment\n", "mailinator.com\nnot a domain\n", "localhost\n", "a@b.com\n"} {
		if _, err := ParseDomains([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// signUp is a parsed SignUp naming addr as its email attribute.
func signUp(t *testing.T, addr string) *request.View {
	t.Helper()
	v := &request.View{Target: "AWSCognitoIdentityProviderService.SignUp",
		Body: []byte(`{"ClientId":"c","Username":"u","Password":"p","UserAttributes":[{"Name":"email","Value":"` + addr + `"}]}`)}
	if err := cognito.Parse(v); err != nil {
		t.Fatal(err)
	}
	email.Resolve(v)
	return v
}

// TestDomainListReload: a disposable-domain list labels sign-ups naming
// its domains (subdomains included), reloads when its file changes, keeps
// the last good copy when the new one is garbled, and a new list serves
// its cached copy while the source is missing.
func TestDomainListReload(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "disposable.txt")
	cache := filepath.Join(dir, "cache")
	write := func(body string) {
		if err := os.WriteFile(src, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("mailinator.com\n")
	l, err := NewList(ListConfig{Name: "disposable", Label: disposable, Source: src, Format: FormatDomains, CacheFile: cache})
	if err != nil {
		t.Fatal(err)
	}
	s := New([]*List{l}, nil, false)
	labelled := func(addr string) bool {
		v := signUp(t, addr)
		s.Annotate(v)
		return slices.Contains(v.Labels, disposable) && v.Hygiene.Email == "disposable"
	}
	ctx := context.Background()
	if err := l.Refresh(ctx, t0); err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{"bot@mailinator.com": true, "Bot+1@X.Mailinator.COM": true, "bob@example.com": false, "bob@yopmail.com": false} {
		if got := labelled(addr); got != want {
			t.Errorf("before reload, %s: labelled %v", addr, got)
		}
	}
	v := signUp(t, "bob@example.com")
	s.Annotate(v)
	if v.Hygiene.Email != "clean" {
		t.Errorf("a clean address: Hygiene.Email = %q", v.Hygiene.Email)
	}

	write("mailinator.com\nyopmail.com\n")
	if err := l.Refresh(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !labelled("bob@yopmail.com") || l.Status().Entries != 2 {
		t.Fatalf("after reload: yopmail not listed (%+v)", l.Status())
	}

	write("mailinator.com\n<html>oops</html>\n")
	if err := l.Refresh(ctx, t0.Add(2*time.Hour)); err == nil || !strings.Contains(err.Error(), "not domains") {
		t.Fatalf("a garbled list: err = %v", err)
	}
	if !labelled("bob@yopmail.com") || l.Status().Failures != 1 {
		t.Fatalf("the last good copy was not kept (%+v)", l.Status())
	}

	// A restart while the source is gone serves the cached copy.
	os.Remove(src)
	l2, _ := NewList(ListConfig{Name: "disposable", Label: disposable, Source: src, Format: FormatDomains, CacheFile: cache})
	if err := l2.Refresh(ctx, t0.Add(3*time.Hour)); err == nil || !strings.Contains(err.Error(), "cached copy") {
		t.Fatalf("source missing: err = %v", err)
	}
	if !l2.ContainsDomain("yopmail.com") || l2.Contains(netipLoopback) {
		t.Fatal("the cached copy was not served")
	}

	// Over HTTP too, like IP lists.
	f := &feed{}
	f.set(200, "trashmail.com\n", `"v1"`)
	srv := httptest.NewServer(f)
	defer srv.Close()
	l3, _ := NewList(ListConfig{Name: "remote", Label: disposable, Source: srv.URL, Format: FormatDomains})
	if err := l3.Refresh(ctx, t0); err != nil || !l3.ContainsDomain("trashmail.com") {
		t.Fatalf("remote list: %v", err)
	}
}

var netipLoopback = netip.MustParseAddr("127.0.0.1")
