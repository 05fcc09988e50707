package server

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/breached"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// TestBuildBreached: the filter path is relative to the config file;
// a min_count the filter was not built with, and a file that is not a
// filter, are build errors naming the key.
func TestBuildBreached(t *testing.T) {
	path := writeConfig(t, "upstream: {region: us-east-1, endpoint: UPSTREAM}\nbreached_passwords: {filter: pwned.filter, min_count: MIN}\n", "http://127.0.0.1:1")
	dir := filepath.Dir(path)
	src := filepath.Join(dir, "c.txt")
	if err := os.WriteFile(src, []byte("5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := breached.Build(filepath.Join(dir, "pwned.filter"), []string{src}, 2); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	for _, tc := range []struct{ min, want string }{
		{"2", ""},
		{"0", ""},
		{"1", "breached_passwords.min_count"},
	} {
		os.WriteFile(path, []byte(strings.ReplaceAll(string(raw), "MIN", tc.min)), 0o600)
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		st, err := BuildState(context.Background(), cfg, Deps{})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("min_count %s: %v", tc.min, err)
		case tc.want == "" && !st.Breached.Contains("password"):
			t.Errorf("min_count %s: the filter lacks a member", tc.min)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("min_count %s: err = %v, want %q", tc.min, err, tc.want)
		}
	}
	os.WriteFile(filepath.Join(dir, "pwned.filter"), []byte("not a filter at all, but long enough to have a header......."), 0o600)
	os.WriteFile(path, []byte(strings.ReplaceAll(string(raw), "MIN", "0")), 0o600)
	cfg, _ := config.Load(path)
	if _, err := BuildState(context.Background(), cfg, Deps{}); err == nil || !strings.Contains(err.Error(), "breached_passwords.filter") {
		t.Errorf("a damaged filter: err = %v", err)
	}
}

// TestEmailDomainListWired: signals.email_domain_lists, built as serve
// builds it, labels a sign-up naming a listed domain (default label) and
// records the check; config errors name the key.
func TestEmailDomainListWired(t *testing.T) {
	path := writeConfig(t, "upstream: {region: us-east-1, endpoint: UPSTREAM}\nunknown_clients: pass\nsignals:\n  email_domain_lists:\n    - {name: disposable, source: disposable.txt}\n", "http://127.0.0.1:1")
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "disposable.txt"), []byte("mailinator.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := BuildState(context.Background(), cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{"Bot+7@mailinator.com": true, "bob@example.com": false} {
		v := &request.View{Target: "AWSCognitoIdentityProviderService.SignUp",
			Body: []byte(`{"ClientId":"c","Username":"` + addr + `","Password":"a clean passphrase"}`)}
		var vd waf.Verdict
		if _, err := st.Judge(context.Background(), time.Now(), v, &vd, nil); err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(v.Labels, config.DefaultDisposableLabel); got != want {
			t.Errorf("%s: labelled %v (labels %q, hygiene %+v)", addr, got, v.Labels, v.Hygiene)
		}
	}
	_, err = config.Parse("t.yaml", []byte("upstream: {region: us-east-1}\nsignals:\n  ip_lists: [{name: x, label: 'awswaf:managed:aws:x:y', source: a, format: cidr}]\n  email_domain_lists:\n    - {name: x, label: 'bad label', refresh: 1s, source: 'https://example.com/l'}\n    - {name: y}\n"))
	for _, want := range []string{"email_domain_lists[0].name: duplicate", "email_domain_lists[0].label", "email_domain_lists[0].refresh", "email_domain_lists[1].source: is required"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}
