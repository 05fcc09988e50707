package hostedui

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

const (
	confClient  = "conf1client2id3"
	confSecret  = "conf-secret-0123456789"
	publicApp   = "public1client2id"
	redirectURI = "http://app.example/callback"
)

// env is a fake user pool domain and the proxy in front of it.
type env struct {
	fake  *fakeDomain
	up    *httptest.Server
	proxy *httptest.Server
	h     *Handler
}

// startEnv serves a fake domain (with the confidential client confClient)
// and the proxy in front of it, whose public URL is its own address, with
// the secret of confClient; cfg adjusts the proxy's config.
func startEnv(t *testing.T, cfg func(*Config)) *env {
	t.Helper()
	fake := newFakeDomain(map[string]string{confClient: confSecret})
	up := httptest.NewServer(fake)
	t.Cleanup(up.Close)
	fake.url = up.URL
	e := &env{fake: fake, up: up}
	var handler http.Handler
	e.proxy = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(e.proxy.Close)
	c := Config{
		Upstream:  mustURL(t, up.URL),
		PublicURL: mustURL(t, e.proxy.URL),
		Secrets:   map[string][]byte{confClient: []byte(confSecret)},
		Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if cfg != nil {
		cfg(&c)
	}
	h, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	e.h, handler = h, h
	return e
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// noRedirects is a client that returns redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func postForm(t *testing.T, target string, form url.Values, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return do(t, req)
}

// signIn runs the browser part of the authorization code flow with PKCE
// against base (the proxy or the fake): authorize, follow to /login, post
// the form with the cookie. It returns the authorization code. An empty
// challenge signs in without PKCE.
func signIn(t *testing.T, base, clientID, challenge string) string {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
		"scope": {"openid"}, "state": {"st4te"}}
	if challenge != "" {
		q["code_challenge"], q["code_challenge_method"] = []string{challenge}, []string{"S256"}
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/oauth2/authorize?"+q.Encode(), nil)
	resp, _ := do(t, req)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %s", resp.Status)
	}
	loc := mustURL(t, resp.Header.Get("Location"))
	if got := loc.Scheme + "://" + loc.Host; got != base || loc.Path != "/login" {
		t.Fatalf("authorize redirected to %s; want %s/login", loc, base)
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || cookies[0].Name != "XSRF-TOKEN" || !cookies[0].Secure || !cookies[0].HttpOnly || cookies[0].Domain != "" {
		t.Fatalf("authorize cookies = %v; want XSRF-TOKEN untouched", resp.Header["Set-Cookie"])
	}
	req, _ = http.NewRequest(http.MethodPost, loc.String(), strings.NewReader(url.Values{
		"_csrf": {cookies[0].Value}, "username": {"jane"}, "password": {"pw"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: cookies[0].Name, Value: cookies[0].Value})
	resp, body := do(t, req)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("login: %s %s", resp.Status, body)
	}
	back := mustURL(t, resp.Header.Get("Location"))
	if !strings.HasPrefix(back.String(), redirectURI+"?") || back.Query().Get("state") != "st4te" {
		t.Fatalf("login redirected to %s; want the app's redirect_uri, untouched", back)
	}
	return back.Query().Get("code")
}

// exchange posts the token request of a public SPA: no client
// authentication, client_id and code_verifier in the body.
func exchange(t *testing.T, base, clientID, code, verifier string, header http.Header) (*http.Response, string) {
	t.Helper()
	return postForm(t, base+"/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID},
		"code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {verifier}}, header)
}

func wantOAuthError(t *testing.T, resp *http.Response, body, code string) {
	t.Helper()
	var e struct{ Error string }
	if resp.StatusCode != http.StatusBadRequest || json.Unmarshal([]byte(body), &e) != nil || e.Error != code {
		t.Fatalf("got %s %s; want 400 {\"error\":%q}", resp.Status, body, code)
	}
}

// TestPKCEExchangeWithConfidentialClient is the acceptance test: a
// public SPA's authorization code + PKCE token exchange with a confidential
// app client fails against the user pool domain itself (invalid_client) and
// succeeds through the proxy, which adds client_secret_basic.
func TestPKCEExchangeWithConfidentialClient(t *testing.T) {
	e := startEnv(t, nil)
	verifier, challenge := pkce(t)

	t.Run("without the proxy", func(t *testing.T) {
		code := signIn(t, e.up.URL, confClient, challenge)
		resp, body := exchange(t, e.up.URL, confClient, code, verifier, nil)
		wantOAuthError(t, resp, body, "invalid_client")
	})

	t.Run("through the proxy", func(t *testing.T) {
		code := signIn(t, e.proxy.URL, confClient, challenge)
		resp, body := exchange(t, e.proxy.URL, confClient, code, verifier, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"access_token":"access-`+confClient+`"`) {
			t.Fatalf("token exchange through the proxy: %s %s", resp.Status, body)
		}
		reqs := e.fake.requests()
		last := reqs[len(reqs)-1]
		if last.Path != "/oauth2/token" || last.Authorization != BasicAuth(confClient, []byte(confSecret)) {
			t.Errorf("upstream saw %+v; want /oauth2/token with client_secret_basic", last)
		}
	})

	t.Run("a wrong verifier still fails", func(t *testing.T) {
		code := signIn(t, e.proxy.URL, confClient, challenge)
		resp, body := exchange(t, e.proxy.URL, confClient, code, verifier+"x", nil)
		wantOAuthError(t, resp, body, "invalid_grant")
	})

	t.Run("revoke", func(t *testing.T) {
		form := url.Values{"token": {"refresh-" + confClient}, "client_id": {confClient}}
		resp, body := postForm(t, e.up.URL+"/oauth2/revoke", form, nil)
		wantOAuthError(t, resp, body, "invalid_client")
		resp, body = postForm(t, e.proxy.URL+"/oauth2/revoke", form, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("revoke through the proxy: %s %s", resp.Status, body)
		}
	})
}

// TestClientAuthLeftAlone checks the cases where the proxy must not add
// client authentication.
func TestClientAuthLeftAlone(t *testing.T) {
	e := startEnv(t, nil)
	verifier, challenge := pkce(t)
	cases := []struct {
		name, clientID string
		header         http.Header
		extra          url.Values
		wantStatus     int
	}{
		// The client authenticates itself (wrongly): its header is kept.
		{"own Authorization header", confClient, http.Header{"Authorization": {BasicAuth(confClient, []byte("wrong"))}}, nil, 400},
		// client_secret_post: the body's secret is kept.
		{"client_secret in the body", confClient, nil, url.Values{"client_secret": {"wrong"}}, 400},
		// A client the proxy has no secret for (public in the fake).
		{"unconfigured public client", publicApp, nil, nil, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code := signIn(t, e.proxy.URL, c.clientID, challenge)
			form := url.Values{"grant_type": {"authorization_code"}, "client_id": {c.clientID},
				"code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {verifier}}
			for k, v := range c.extra {
				form[k] = v
			}
			resp, body := postForm(t, e.proxy.URL+"/oauth2/token", form, c.header)
			if resp.StatusCode != c.wantStatus {
				t.Fatalf("got %s %s; want %d", resp.Status, body, c.wantStatus)
			}
		})
	}
}

func TestAddClientAuth(t *testing.T) {
	// c3 and "" are a misconfiguration: an empty secret, a secret with
	// no client id. Neither may produce client authentication.
	secrets := map[string][]byte{"c1": []byte("s1"), "c3": {}, "": []byte("s0")}
	form := "application/x-www-form-urlencoded"
	v := strings.Repeat("v", 43) // the shortest RFC 7636 code_verifier
	pkceBody := "grant_type=authorization_code&client_id=c1&code=x&code_verifier=" + v
	cases := []struct {
		name, path, query, contentType, auth, body string
		header                                     http.Header
		want                                       bool
	}{
		{"authorization_code with PKCE", tokenPath, "", form, "", pkceBody, nil, true},
		{"refresh_token", tokenPath, "", form, "", "grant_type=refresh_token&client_id=c1&refresh_token=r", nil, true},
		{"revoke", revokePath, "", form, "", "token=r&client_id=c1", nil, true},
		{"charset parameter", tokenPath, "", form + "; charset=UTF-8", "", pkceBody, nil, true},
		{"longest verifier", tokenPath, "", form, "", "grant_type=authorization_code&client_id=c1&code=x&code_verifier=" + strings.Repeat("A-._~9", 21) + "zz", nil, true},

		// The confused deputy: grants a public client must not get the
		// app client's authentication for.
		{"client_credentials", tokenPath, "", form, "", "grant_type=client_credentials&client_id=c1&scope=api/all", nil, false},
		{"code without verifier", tokenPath, "", form, "", "grant_type=authorization_code&client_id=c1&code=x", nil, false},
		{"empty verifier", tokenPath, "", form, "", "grant_type=authorization_code&client_id=c1&code=x&code_verifier=", nil, false},
		{"short verifier", tokenPath, "", form, "", "grant_type=authorization_code&client_id=c1&code=x&code_verifier=" + v[1:], nil, false},
		{"verifier outside RFC 7636", tokenPath, "", form, "", "grant_type=authorization_code&client_id=c1&code=x&code_verifier=" + v + "%20", nil, false},
		{"no code", tokenPath, "", form, "", "grant_type=authorization_code&client_id=c1&code_verifier=" + v, nil, false},
		{"refresh without token", tokenPath, "", form, "", "grant_type=refresh_token&client_id=c1&refresh_token=", nil, false},
		{"no grant_type", tokenPath, "", form, "", "client_id=c1&code=x&code_verifier=" + v, nil, false},
		{"unknown grant", tokenPath, "", form, "", "grant_type=password&client_id=c1&username=u&password=p", nil, false},
		{"device grant", tokenPath, "", form, "", "grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=c1&device_code=d", nil, false},
		{"grant case variant", tokenPath, "", form, "", "grant_type=Client_Credentials&client_id=c1", nil, false},
		{"refresh case variant", tokenPath, "", form, "", "grant_type=REFRESH_TOKEN&client_id=c1&refresh_token=r", nil, false},
		{"grant with spaces", tokenPath, "", form, "", "grant_type=refresh_token%20&client_id=c1&refresh_token=r", nil, false},
		{"duplicate grant_type, refresh first", tokenPath, "", form, "", "grant_type=refresh_token&grant_type=client_credentials&client_id=c1&refresh_token=r", nil, false},
		{"duplicate grant_type, refresh last", tokenPath, "", form, "", "grant_type=client_credentials&grant_type=refresh_token&client_id=c1&refresh_token=r", nil, false},
		{"duplicate client_id", tokenPath, "", form, "", "grant_type=refresh_token&client_id=c1&client_id=c2&refresh_token=r", nil, false},
		{"grant in the query string", tokenPath, "grant_type=client_credentials", form, "", "grant_type=refresh_token&client_id=c1&refresh_token=r", nil, false},
		{"any query string", tokenPath, "x=1", form, "", pkceBody, nil, false},
		{"form with semicolons", tokenPath, "", form, "", "grant_type=client_credentials;grant_type=refresh_token&client_id=c1&refresh_token=r", nil, false},
		{"other charset", tokenPath, "", form + "; charset=utf-16", "", pkceBody, nil, false},
		{"two Content-Types", tokenPath, "", form, "", pkceBody, http.Header{"Content-Type": {form, "application/json"}}, false},
		{"content-encoded body", tokenPath, "", form, "", pkceBody, http.Header{"Content-Encoding": {"gzip"}}, false},
		{"revoke without token", revokePath, "", form, "", "client_id=c1", nil, false},

		// The caller authenticates itself: left alone.
		{"has Authorization", tokenPath, "", form, "Basic eA==", pkceBody, nil, false},
		{"has empty Authorization", tokenPath, "", form, "", pkceBody, http.Header{"Authorization": {""}}, false},
		{"client_secret_post", tokenPath, "", form, "", pkceBody + "&client_secret=s", nil, false},
		{"empty client_secret", tokenPath, "", form, "", pkceBody + "&client_secret=", nil, false},
		{"client_assertion", tokenPath, "", form, "", pkceBody + "&client_assertion=jwt", nil, false},
		{"client_assertion_type", tokenPath, "", form, "", pkceBody + "&client_assertion_type=x", nil, false},

		{"unknown client", tokenPath, "", form, "", strings.Replace(pkceBody, "c1", "c2", 1), nil, false},
		{"no client_id", tokenPath, "", form, "", "grant_type=refresh_token&refresh_token=r", nil, false},
		{"not a form", tokenPath, "", "application/json", "", `{"client_id":"c1"}`, nil, false},
		{"bad form", tokenPath, "", form, "", "client_id=%zz", nil, false},
		{"form body, other type", tokenPath, "", "text/plain", "", pkceBody, nil, false},
		{"client with an empty secret", tokenPath, "", form, "", strings.Replace(pkceBody, "c1", "c3", 1), nil, false},
		{"secret filed under no id", tokenPath, "", form, "", "grant_type=refresh_token&refresh_token=r&client_id=", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {c.contentType}}
			for k, vs := range c.header {
				h[k] = vs
			}
			if c.auth != "" {
				h.Set("Authorization", c.auth)
			}
			before := h.Values("Authorization")
			got := addClientAuth(c.path, c.query, h, []byte(c.body), secrets)
			if got != c.want {
				t.Fatalf("addClientAuth = %v; want %v", got, c.want)
			}
			if c.want && h.Get("Authorization") != "Basic YzE6czE=" {
				t.Fatalf("Authorization = %q", h.Get("Authorization"))
			}
			if !c.want && strings.Join(h.Values("Authorization"), ",") != strings.Join(before, ",") {
				t.Fatalf("Authorization changed to %q", h.Values("Authorization"))
			}
		})
	}
}

// TestTokenEndpointIsNoConfusedDeputy sends, through the proxy, the token
// requests with which anyone could borrow the confidential app client's
// identity if the proxy authenticated them: client_credentials (the app
// client's own access token), a code redeemed without a PKCE verifier (a
// stolen code), and the parameter tricks that could make the proxy read
// one grant and the user pool domain another. Each must reach the domain
// without client authentication and fail there with invalid_client. On the
// code before the fix, the first two got tokens.
func TestTokenEndpointIsNoConfusedDeputy(t *testing.T) {
	e := startEnv(t, nil)
	token := e.proxy.URL + "/oauth2/token"
	cases := []struct {
		name string
		form url.Values
		path string // token endpoint when empty
	}{
		{"client_credentials", url.Values{"grant_type": {"client_credentials"}, "client_id": {confClient}}, ""},
		{"client_credentials with scope", url.Values{"grant_type": {"client_credentials"}, "client_id": {confClient}, "scope": {"api/all"}}, ""},
		{"case variant", url.Values{"grant_type": {"CLIENT_CREDENTIALS"}, "client_id": {confClient}}, ""},
		{"duplicate grant_type", url.Values{"grant_type": {"client_credentials", "refresh_token"}, "client_id": {confClient}, "refresh_token": {"refresh-" + confClient}}, ""},
		{"grant in the query string", url.Values{"grant_type": {"refresh_token"}, "client_id": {confClient}, "refresh_token": {"x"}}, "/oauth2/token?grant_type=client_credentials"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			target := token
			if c.path != "" {
				target = e.proxy.URL + c.path
			}
			resp, body := postForm(t, target, c.form, nil)
			wantOAuthError(t, resp, body, "invalid_client")
			if last := e.fake.requests(); last[len(last)-1].Authorization != "" {
				t.Fatalf("the domain saw Authorization %q; want none", last[len(last)-1].Authorization)
			}
		})
	}

	t.Run("code without PKCE", func(t *testing.T) {
		code := signIn(t, e.proxy.URL, confClient, "") // an app that skips PKCE; the code leaks
		form := url.Values{"grant_type": {"authorization_code"}, "client_id": {confClient}, "code": {code}, "redirect_uri": {redirectURI}}
		resp, body := postForm(t, token, form, nil)
		wantOAuthError(t, resp, body, "invalid_client")
		form.Set("code_verifier", "")
		resp, body = postForm(t, token, form, nil)
		wantOAuthError(t, resp, body, "invalid_client")
	})

	t.Run("refresh_token is authenticated", func(t *testing.T) {
		form := url.Values{"grant_type": {"refresh_token"}, "client_id": {confClient}, "refresh_token": {"refresh-" + confClient}}
		resp, body := postForm(t, token, form, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"access_token":"access-`+confClient+`"`) {
			t.Fatalf("refresh through the proxy: %s %s", resp.Status, body)
		}
	})
}

// TestClientAuthIsOptIn checks that a client whose secret the proxy knows
// for the API but who did not opt in (absent from Config.Secrets) gets no
// client authentication on the token endpoint, even for a PKCE exchange.
func TestClientAuthIsOptIn(t *testing.T) {
	e := startEnv(t, func(c *Config) { c.Secrets = nil })
	verifier, challenge := pkce(t)
	code := signIn(t, e.proxy.URL, confClient, challenge)
	resp, body := exchange(t, e.proxy.URL, confClient, code, verifier, nil)
	wantOAuthError(t, resp, body, "invalid_client")
}

func TestRewriteLocation(t *testing.T) {
	up := &url.URL{Scheme: "https", Host: "example.auth.us-east-1.amazoncognito.com"}
	pub := &url.URL{Scheme: "https", Host: "login.example.com"}
	prefixed := &url.URL{Scheme: "https", Host: "example.com", Path: "/auth/"}
	cases := []struct {
		loc    string
		public *url.URL
		want   string
		ok     bool
	}{
		{"https://example.auth.us-east-1.amazoncognito.com/login?client_id=a&redirect_uri=https%3A%2F%2Fapp", pub,
			"https://login.example.com/login?client_id=a&redirect_uri=https%3A%2F%2Fapp", true},
		{"https://EXAMPLE.auth.us-east-1.amazoncognito.com:443/logout", pub, "https://login.example.com/logout", true},
		{"https://example.auth.us-east-1.amazoncognito.com/login", prefixed, "https://example.com/auth/login", true},
		{"https://app.example.com/callback?code=c", pub, "https://app.example.com/callback?code=c", false},
		{"http://example.auth.us-east-1.amazoncognito.com/login", pub, "http://example.auth.us-east-1.amazoncognito.com/login", false},
		{"https://example.auth.us-east-1.amazoncognito.com:8443/login", pub, "https://example.auth.us-east-1.amazoncognito.com:8443/login", false},
		{"/login?x=1", pub, "/login?x=1", false},
		{"myapp://callback?code=c", pub, "myapp://callback?code=c", false},
	}
	for _, c := range cases {
		got, ok := RewriteLocation(c.loc, up, c.public)
		if got != c.want || ok != c.ok {
			t.Errorf("RewriteLocation(%q) = %q, %v; want %q, %v", c.loc, got, ok, c.want, c.ok)
		}
	}
}

func TestLocationUntouchedWithoutPublicURL(t *testing.T) {
	e := startEnv(t, func(c *Config) { c.PublicURL = nil })
	req, _ := http.NewRequest(http.MethodGet, e.proxy.URL+"/oauth2/authorize?client_id=x", nil)
	resp, _ := do(t, req)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, e.up.URL+"/login") {
		t.Fatalf("Location = %q; want the upstream's, untouched", loc)
	}
}

func TestNewRejectsBadURLs(t *testing.T) {
	for _, c := range []Config{
		{},
		{Upstream: &url.URL{Path: "example.auth.us-east-1.amazoncognito.com"}},
		{Upstream: &url.URL{Scheme: "ftp", Host: "x"}},
		{Upstream: &url.URL{Scheme: "https", Host: "x"}, PublicURL: &url.URL{Host: "login.example.com"}},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) = nil error", c)
		}
	}
}

func TestBodyLimitAndUpstreamFailure(t *testing.T) {
	e := startEnv(t, func(c *Config) { c.MaxBodyBytes = 16 })
	resp, _ := postForm(t, e.proxy.URL+"/oauth2/token", url.Values{"client_id": {strings.Repeat("x", 64)}}, nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %s; want 413", resp.Status)
	}
	e.up.Close()
	req, _ := http.NewRequest(http.MethodGet, e.proxy.URL+"/login", nil)
	if resp, _ := do(t, req); resp.StatusCode != http.StatusBadGateway {
		t.Errorf("upstream down: %s; want 502", resp.Status)
	}
}
