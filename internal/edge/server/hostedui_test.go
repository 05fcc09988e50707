package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/hostedui"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// hostedUIConfig has two confidential clients; only "optedin1" sets
// hosted_ui_client_auth.
const hostedUIConfig = `
listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream: {endpoint: UPSTREAM, hosted_ui: UPSTREAM}
hosted_ui: {listen: 127.0.0.1:0}
clients:
  - client_id: optedin1
    client_secret: secret-one
    hosted_ui_client_auth: true
  - client_id: notoptedin2
    client_secret: secret-two
`

// TestHostedUIClientAuthIsOptIn builds the Hosted UI handler from a config
// file and checks what the user pool domain receives: only the client that
// set hosted_ui_client_auth gets its secret added, and only for a grant a
// public client may use. Before the key existed, every client with a
// secret got it added (the second case failed).
func TestHostedUIClientAuthIsOptIn(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	domain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(domain.Close)
	cfg := loadConfig(t, writeConfig(t, hostedUIConfig, domain.URL))
	st, err := BuildState(context.Background(), cfg, Deps{Store: ratelimit.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(st.HostedUI)
	t.Cleanup(srv.Close)
	cases := []struct {
		name, client, grant, want string
	}{
		{"opted in, refresh_token", "optedin1", "refresh_token", hostedui.BasicAuth("optedin1", []byte("secret-one"))},
		{"not opted in, refresh_token", "notoptedin2", "refresh_token", ""},
		{"opted in, client_credentials", "optedin1", "client_credentials", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			form := url.Values{"grant_type": {c.grant}, "client_id": {c.client}, "refresh_token": {"r"}}
			resp, err := http.Post(srv.URL+"/oauth2/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			mu.Lock()
			got := seen[len(seen)-1]
			mu.Unlock()
			if got != c.want {
				t.Fatalf("the domain saw Authorization %q; want %q", got, c.want)
			}
		})
	}
}

func loadConfig(t *testing.T, path string) *config.Config {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
