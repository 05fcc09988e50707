package proxy

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/edge/clientip"
	"github.com/poolguard/poolguard/internal/testkit/servetest"
)

const (
	clientID = "1example23456789"
	secret   = "test-secret"
)

// recorder is a fake upstream that records what reaches it.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
	fn   func(w http.ResponseWriter, r *http.Request)
}

type recorded struct {
	header http.Header
	body   []byte
	host   string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, recorded{r.Header.Clone(), body, r.Host})
	rec.mu.Unlock()
	if rec.fn != nil {
		rec.fn(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", "upstream-id")
	w.Header().Set("X-Upstream-Custom", "kept")
	w.Header().Set("Access-Control-Allow-Origin", "https://evil.example")
	_, _ = w.Write([]byte(`{"ok":true}`))
}

func (rec *recorder) last(t *testing.T) recorded {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		t.Fatal("nothing reached the upstream")
	}
	return rec.reqs[len(rec.reqs)-1]
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.reqs)
}

func testState() *State {
	return &State{
		Clients: map[string]*cognito.Client{clientID: {
			ID: clientID, Secret: func() []byte { return []byte(secret) }, PropagateIP: true,
		}},
		Policy:       Policy{AllowTokenAuth: true},
		CORS:         CORS{AnyOrigin: true},
		ClientIP:     clientip.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}),
		MaxBodyBytes: 1024,
		Rewriter:     &cognito.Rewriter{},
	}
}

// startProxy starts a proxy in front of up and returns its URL.
func startProxy(t *testing.T, st *State, upstreamURL string, timeout time.Duration) string {
	t.Helper()
	u, _ := url.Parse(upstreamURL)
	up := NewUpstream(u, timeout, 8)
	t.Cleanup(up.Close)
	srv := servetest.Serve(t, New(st, up, slog.New(slog.DiscardHandler), nil))
	return srv.URL
}

func call(t *testing.T, url, op, body string, hdr map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if op != "" {
		req.Header.Set("X-Amz-Target", cognito.TargetPrefix+op)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestForwardAddsSecretAndClientIP(t *testing.T) {
	rec := &recorder{}
	up := httptest.NewServer(rec)
	defer up.Close()
	p := startProxy(t, testState(), up.URL, 5*time.Second)

	resp := call(t, p, "SignUp", `{"ClientId":"`+clientID+`","Username":"alice","Password":"Passw0rd!"}`,
		map[string]string{"X-Forwarded-For": "198.51.100.7", "Connection": "X-Drop-Me", "X-Drop-Me": "1", "Origin": "https://app.example"})
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != `{"ok":true}` {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Upstream-Custom") != "kept" || resp.Header.Get("X-Amzn-Requestid") != "upstream-id" {
		t.Errorf("upstream headers not relayed: %v", resp.Header)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin %q, want the proxy's *", got)
	}
	got := rec.last(t)
	if h := gjson.GetBytes(got.body, "SecretHash").Str; h != cognito.SecretHash([]byte(secret), "alice", clientID) {
		t.Errorf("SecretHash %q", h)
	}
	if ip := gjson.GetBytes(got.body, "UserContextData.IpAddress").Str; ip != "198.51.100.7" {
		t.Errorf("IpAddress %q, want the forwarded client", ip)
	}
	if got.header.Get("X-Drop-Me") != "" || got.header.Get("Connection") != "" {
		t.Errorf("hop-by-hop headers forwarded: %v", got.header)
	}
}

// errorCase is one request the proxy must refuse in Cognito's shape.
type errorCase struct {
	name, method, path, op, body string
	status                       int
	typ                          string
	reachesUpstream              bool
}

func TestErrorsAreCognitoShaped(t *testing.T) {
	rec := &recorder{}
	up := httptest.NewServer(rec)
	defer up.Close()
	p := startProxy(t, testState(), up.URL, 5*time.Second)
	signUp := `{"ClientId":"` + clientID + `","Username":"u"}`
	cases := []errorCase{
		{"malformed JSON", "POST", "/", "SignUp", `{"ClientId":`, 400, "SerializationException", false},
		{"missing target", "POST", "/", "", signUp, 400, "UnknownOperationException", false},
		{"unknown target", "POST", "/", "Teleport", signUp, 400, "UnknownOperationException", false},
		{"body over limit", "POST", "/", "SignUp", `{"x":"` + strings.Repeat("a", 2000) + `"}`, 413, "RequestEntityTooLargeException", false},
		{"IAM operation", "POST", "/", "AdminCreateUser", `{"UserPoolId":"us-east-1_x","Username":"u"}`, 403, "ForbiddenException", false},
		{"unknown client", "POST", "/", "SignUp", `{"ClientId":"other","Username":"u"}`, 403, "ForbiddenException", false},
		{"GET", "GET", "/", "SignUp", ``, 405, "UnknownOperationException", false},
		{"other path", "POST", "/x", "SignUp", signUp, 400, "UnknownOperationException", false},
		{"duplicate key", "POST", "/", "SignUp", `{"ClientId":"other","ClientId":"` + clientID + `"}`, 400, "SerializationException", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := rec.count()
			req, _ := http.NewRequest(tc.method, p+tc.path, strings.NewReader(tc.body))
			if tc.op != "" {
				req.Header.Set("X-Amz-Target", cognito.TargetPrefix+tc.op)
			}
			req.Header.Set("Origin", "https://app.example")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			checkCognitoError(t, resp, tc.status, tc.typ)
			if reached := rec.count() > before; reached != tc.reachesUpstream {
				t.Errorf("reached upstream = %v", reached)
			}
		})
	}
}

func checkCognitoError(t *testing.T, resp *http.Response, status int, typ string) {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	if resp.StatusCode != status || e.Type != typ || e.Message == "" {
		t.Errorf("got %d %+v, want %d %s", resp.StatusCode, e, status, typ)
	}
	if got := resp.Header.Get("X-Amzn-Errortype"); got != typ+":" {
		t.Errorf("x-amzn-ErrorType %q", got)
	}
	if resp.Header.Get("X-Amzn-Requestid") == "" {
		t.Error("no x-amzn-RequestId")
	}
	if resp.Header.Get("Access-Control-Allow-Origin") == "" {
		t.Error("error without CORS headers")
	}
}

func TestUpstreamUnreachable(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close() // nothing listens here now
	p := startProxy(t, testState(), "http://"+addr, 5*time.Second)
	resp := call(t, p, "GetUser", `{"AccessToken":"t"}`, nil)
	checkCognitoError(t, resp, 502, "InternalErrorException")
}

func TestUpstreamTimeout(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer up.Close()
	defer close(release) // runs first: frees the handler so Close can return
	p := startProxy(t, testState(), up.URL, 50*time.Millisecond)
	resp := call(t, p, "GetUser", `{"AccessToken":"t"}`, nil)
	checkCognitoError(t, resp, 504, "InternalErrorException")
}

func TestPreflight(t *testing.T) {
	p := startProxy(t, testState(), "http://127.0.0.1:1", time.Second)
	req, _ := http.NewRequest(http.MethodOptions, p+"/", nil)
	req.Header.Set("Origin", "http://localhost:3000")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type,x-amz-target,x-amz-user-agent")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	want := map[string]string{
		"Access-Control-Allow-Origin":   "*",
		"Access-Control-Allow-Methods":  "POST",
		"Access-Control-Allow-Headers":  "content-type,x-amz-target,x-amz-user-agent",
		"Access-Control-Expose-Headers": "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date",
		"Access-Control-Max-Age":        "172800",
	}
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestCORSAllowList(t *testing.T) {
	st := testState()
	st.CORS = CORS{Origins: map[string]bool{"https://app.example": true}}
	rec := &recorder{}
	up := httptest.NewServer(rec)
	defer up.Close()
	p := startProxy(t, st, up.URL, time.Second)
	resp := call(t, p, "GetUser", `{"AccessToken":"t"}`, map[string]string{"Origin": "https://app.example"})
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "https://app.example" {
		t.Errorf("allowed origin: %q", got)
	}
	resp = call(t, p, "GetUser", `{"AccessToken":"t"}`, map[string]string{"Origin": "https://evil.example"})
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("other origin got %q", got)
	}
}

func TestSpoofedForwardedForIgnored(t *testing.T) {
	st := testState()
	st.ClientIP = clientip.New(nil) // the test client (127.0.0.1) is not trusted
	rec := &recorder{}
	up := httptest.NewServer(rec)
	defer up.Close()
	p := startProxy(t, st, up.URL, time.Second)
	call(t, p, "SignUp", `{"ClientId":"`+clientID+`","Username":"u"}`, map[string]string{"X-Forwarded-For": "6.6.6.6"})
	if ip := gjson.GetBytes(rec.last(t).body, "UserContextData.IpAddress").Str; ip != "127.0.0.1" {
		t.Fatalf("IpAddress %q, want the peer", ip)
	}
}

func TestDirectPathDropsHopAndSpoofedHeaders(t *testing.T) {
	rec := &recorder{}
	up := httptest.NewServer(rec)
	defer up.Close()
	p := startProxy(t, testState(), up.URL, 5*time.Second)
	call(t, p, "GetUser", `{"AccessToken":"t"}`, map[string]string{
		"Te": "trailers", "X-Amzn-Waf-Verified": "yes", "X-Custom": "kept", "User-Agent": "app/1.0",
	})
	got := rec.last(t).header
	if got.Get("Te") != "" || got.Get("X-Amzn-Waf-Verified") != "" {
		t.Errorf("hop-by-hop or spoofed headers forwarded: %v", got)
	}
	if got.Get("X-Custom") != "kept" || got.Get("User-Agent") != "app/1.0" || got.Get("X-Amz-Target") != cognito.TargetPrefix+"GetUser" {
		t.Errorf("end-to-end headers lost: %v", got)
	}
}

func TestPreflightFromDisallowedOriginIsCognitoShaped(t *testing.T) {
	st := testState()
	st.CORS = CORS{Origins: map[string]bool{"https://app.example": true}}
	p := startProxy(t, st, "http://127.0.0.1:1", time.Second)
	req, _ := http.NewRequest(http.MethodOptions, p+"/", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-Errortype") != "ForbiddenException:" || !strings.Contains(string(body), `"__type":"ForbiddenException"`) {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, body)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("a disallowed origin got CORS headers")
	}
}

// A large sign-in answer for a remember-strategy client streams through
// whole, without a Content-Length that would cut it.
func TestLargeAnswerRelayedWhole(t *testing.T) {
	big := `{"AuthenticationResult":{"IdToken":"x","RefreshToken":"` + strings.Repeat("r", 2<<20) + `"}}`
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(big))
	}))
	defer up.Close()
	st := testState()
	st.Clients[clientID].Refresh = cognito.RefreshRemember
	st.Rewriter = &cognito.Rewriter{Memory: nopMemory{}}
	p := startProxy(t, st, up.URL, 5*time.Second)
	resp := call(t, p, "InitiateAuth", `{"ClientId":"`+clientID+`","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"u","PASSWORD":"p"}}`, nil)
	body, err := io.ReadAll(resp.Body)
	if err != nil || string(body) != big {
		t.Fatalf("got %d bytes (%v), want %d", len(body), err, len(big))
	}
}

type nopMemory struct{}

func (nopMemory) Remember([32]byte, string, time.Time, time.Time) {}
func (nopMemory) Recall([32]byte, time.Time) (string, bool)       { return "", false }

// The upstream gets the body the proxy read, canonically re-encoded, with
// the proxy's Content-Type; a call the client signed itself goes byte for
// byte, or its signature would break.
func TestForwardsCanonicalBody(t *testing.T) {
	rec := &recorder{}
	up := httptest.NewServer(rec)
	defer up.Close()
	st := testState()
	st.Policy.AllowIAM = true
	p := startProxy(t, st, up.URL, 5*time.Second)

	call(t, p, "SignUp", ` {"ClientId" : "`+clientID+`", "Username":"a&Action=AdminDeleteUser&","Password":"p\u00e9"} `,
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	got := rec.last(t)
	want := `{"ClientId":"` + clientID + `","Username":"a\u0026Action\u003dAdminDeleteUser\u0026","Password":"p\u00e9","SecretHash":"`
	if !strings.HasPrefix(string(got.body), want) || got.header.Get("Content-Type") != cognito.ContentType || len(got.header["Content-Type"]) != 1 {
		t.Fatalf("forwarded %v\n%s\nwant a body starting %s", got.header, got.body, want)
	}

	signed := ` {"UserPoolId" : "us-east-1_x", "Username":"a&b"}`
	call(t, p, "AdminGetUser", signed, map[string]string{"Content-Type": "application/x-amz-json-1.0", "Authorization": sigV4Example})
	got = rec.last(t)
	if string(got.body) != signed || got.header.Get("Content-Type") != "application/x-amz-json-1.0" {
		t.Fatalf("a client-signed call was changed: %v %q", got.header, got.body)
	}
}

// Swap publishes the State and the upstream as one value, keeps the
// upstream when given none, and keeps the degraded report.
func TestSwapPublishesOneValue(t *testing.T) {
	u, _ := url.Parse("http://127.0.0.1:1")
	up1, up2 := NewUpstream(u, time.Second, 1), NewUpstream(u, time.Second, 1)
	st1, st2, st3 := testState(), testState(), testState()
	h := New(st1, up1, nil, nil)
	degraded := func() bool { return true }
	h.SetDegraded(degraded)
	first := h.live.Load()
	h.Swap(st2, nil)
	if l := h.live.Load(); l.state != st2 || l.upstream != up1 || l.degraded == nil || !l.degraded() {
		t.Fatalf("after Swap(st2, nil): %+v", l)
	}
	h.Swap(st3, up2)
	if l := h.live.Load(); l.state != st3 || l.upstream != up2 || l.degraded == nil || h.State() != st3 {
		t.Fatalf("after Swap(st3, up2): %+v", l)
	}
	if first.state != st1 || first.upstream != up1 {
		t.Fatalf("a published value changed: %+v", first)
	}
}
