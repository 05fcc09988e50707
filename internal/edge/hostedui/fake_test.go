package hostedui

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// fakeDomain is an in-process stand-in for a user pool domain's managed
// login and OAuth 2.0 endpoints, strict where this package's behaviour is
// at stake:
//
//   - GET /oauth2/authorize redirects (absolute URL on its own origin, as
//     Cognito does) to /login, setting an XSRF-TOKEN cookie.
//   - POST /login checks the cookie against the _csrf field and redirects
//     to the redirect_uri with a single-use authorization code, bound to
//     the PKCE code_challenge (S256) when the app sent one (PKCE is
//     optional in Cognito).
//   - POST /oauth2/token and /oauth2/revoke authenticate confidential
//     clients as Cognito does: without client authentication, or with a
//     wrong secret, 400 {"error":"invalid_client"}. /oauth2/token then
//     checks the code, the redirect_uri and the code_verifier (when the
//     code was bound to a challenge); it also serves client_credentials
//     (a token for anyone authenticated as the client) and refresh_token.
type fakeDomain struct {
	url     string            // its base URL, set once served
	secrets map[string]string // confidential clients: id → secret

	mu     sync.Mutex
	codes  map[string]authCode
	seen   []seenRequest
	issued int
}

type authCode struct {
	clientID, redirectURI, challenge string
}

type seenRequest struct {
	Method, Path, Authorization string
	// Inserted is the x-amzn-waf-seen header a web ACL may have added.
	Inserted string
}

func newFakeDomain(secrets map[string]string) *fakeDomain {
	return &fakeDomain{secrets: secrets, codes: map[string]authCode{}}
}

// requests returns what the fake received.
func (f *fakeDomain) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

func (f *fakeDomain) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, seenRequest{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("X-Amzn-Waf-Seen")})
	f.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/oauth2/authorize":
		http.SetCookie(w, &http.Cookie{Name: "XSRF-TOKEN", Value: "xsrf-1", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		w.Header().Set("Location", f.url+"/login?"+r.URL.RawQuery)
		w.WriteHeader(http.StatusFound)
	case r.Method == http.MethodGet && r.URL.Path == "/login":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<form method="post"><input name="_csrf" value="xsrf-1"></form>`))
	case r.Method == http.MethodPost && r.URL.Path == "/login":
		f.login(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/oauth2/token":
		f.token(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/oauth2/revoke":
		if _, ok := f.authenticate(w, r); ok {
			w.WriteHeader(http.StatusOK)
		}
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<html>" + r.URL.Path + "</html>"))
	}
}

func (f *fakeDomain) login(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie("XSRF-TOKEN")
	if err != nil || r.FormValue("_csrf") != c.Value {
		http.Error(w, "CSRF", http.StatusForbidden)
		return
	}
	q := r.URL.Query()
	if q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256" {
		http.Error(w, "S256 required", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.issued++
	code := "code-" + string(rune('a'+f.issued))
	f.codes[code] = authCode{q.Get("client_id"), q.Get("redirect_uri"), q.Get("code_challenge")}
	f.mu.Unlock()
	w.Header().Set("Location", q.Get("redirect_uri")+"?code="+code+"&state="+url.QueryEscape(q.Get("state")))
	w.WriteHeader(http.StatusFound)
}

// authenticate checks client authentication as Cognito does and reports
// the client id; it has answered the request when ok is false.
func (f *fakeDomain) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request")
		return "", false
	}
	id := r.PostForm.Get("client_id")
	var gotSecret string
	if user, pass, ok := r.BasicAuth(); ok {
		if id != "" && id != user {
			oauthError(w, "invalid_client")
			return "", false
		}
		id, gotSecret = user, pass
	} else {
		gotSecret = r.PostForm.Get("client_secret")
	}
	want, confidential := f.secrets[id]
	if id == "" || (confidential && subtle.ConstantTimeCompare([]byte(gotSecret), []byte(want)) != 1) {
		oauthError(w, "invalid_client")
		return "", false
	}
	return id, true
}

func (f *fakeDomain) token(w http.ResponseWriter, r *http.Request) {
	id, ok := f.authenticate(w, r)
	if !ok {
		return
	}
	form := r.PostForm
	switch form.Get("grant_type") {
	case "authorization_code":
	case "client_credentials":
		// Cognito issues the app client's own access token to anyone
		// who authenticates as the client.
		writeTokens(w, map[string]any{"access_token": "m2m-" + id, "token_type": "Bearer", "expires_in": 3600})
		return
	case "refresh_token":
		if form.Get("refresh_token") != "refresh-"+id {
			oauthError(w, "invalid_grant")
			return
		}
		writeTokens(w, map[string]any{"access_token": "access-" + id, "id_token": "id-" + id, "token_type": "Bearer", "expires_in": 3600})
		return
	default:
		oauthError(w, "unsupported_grant_type")
		return
	}
	f.mu.Lock()
	code, found := f.codes[form.Get("code")]
	delete(f.codes, form.Get("code"))
	f.mu.Unlock()
	sum := sha256.Sum256([]byte(form.Get("code_verifier")))
	if !found || code.clientID != id || code.redirectURI != form.Get("redirect_uri") ||
		(code.challenge != "" && base64.RawURLEncoding.EncodeToString(sum[:]) != code.challenge) {
		oauthError(w, "invalid_grant")
		return
	}
	writeTokens(w, map[string]any{
		"access_token": "access-" + id, "id_token": "id-" + id, "refresh_token": "refresh-" + id,
		"token_type": "Bearer", "expires_in": 3600,
	})
}

func writeTokens(w http.ResponseWriter, tokens map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(tokens)
}

func oauthError(w http.ResponseWriter, code string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte(`{"error":"` + code + `"}`))
}

// pkce returns a code verifier and its S256 challenge.
func pkce(t *testing.T) (verifier, challenge string) {
	t.Helper()
	verifier = strings.Repeat("v3rifier-", 6)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}
