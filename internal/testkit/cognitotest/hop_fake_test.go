package cognitotest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeCognito is an in-process upstream for hop tests. It answers sign-ins
// with tokens whose cognito:username differs from an email sign-in name (as
// in a pool with UsernameAttributes [email]), refreshes with new tokens, and
// everything else with {}. It records what reached it.
type fakeCognito struct {
	mu   sync.Mutex
	seen []seenCall
}

type seenCall struct {
	op   string
	body []byte
}

func (f *fakeCognito) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
	f.mu.Lock()
	f.seen = append(f.seen, seenCall{op, body})
	f.mu.Unlock()
	var c call
	_ = json.Unmarshal(body, &c)
	w.Header().Set("Content-Type", ContentType)
	switch {
	case op == "InitiateAuth" && refreshFlows[c.AuthFlow]:
		_, _ = io.WriteString(w, `{"AuthenticationResult":{"AccessToken":"a","IdToken":"`+fakeIDToken("x")+`","ExpiresIn":3600,"TokenType":"Bearer"},"ChallengeParameters":{}}`)
	case op == "InitiateAuth" || op == "RespondToAuthChallenge" || op == "AdminInitiateAuth":
		name := c.AuthParameters["USERNAME"] + c.ChallengeResponses["USERNAME"]
		_, _ = io.WriteString(w, `{"AuthenticationResult":{"AccessToken":"a","IdToken":"`+fakeIDToken(fakeInternal(name))+
			`","RefreshToken":"rt-`+name+`","ExpiresIn":3600,"TokenType":"Bearer"},"ChallengeParameters":{}}`)
	default:
		_, _ = io.WriteString(w, `{}`)
	}
}

// last returns the last call that reached the fake, or a zero seenCall.
func (f *fakeCognito) last() seenCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.seen) == 0 {
		return seenCall{}
	}
	return f.seen[len(f.seen)-1]
}

func (f *fakeCognito) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.seen)
}

// fakeInternal maps a sign-in name to the fake's cognito:username: an email
// becomes "sub-<local part>", a plain name stays as it is.
func fakeInternal(name string) string {
	if local, _, ok := strings.Cut(name, "@"); ok {
		return "sub-" + local
	}
	return name
}

func fakeIDToken(username string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." +
		enc.EncodeToString([]byte(`{"cognito:username":"`+username+`"}`)) + ".sig"
}

// hopAnswer is what a test call got back from the hop.
type hopAnswer struct {
	status int
	header http.Header
	body   []byte
}

// errorType returns the answer's __type.
func (a hopAnswer) errorType() (typ, msg string) {
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(a.body, &e)
	return e.Type, e.Message
}

// send posts body to url as Cognito operation op ("" sends no X-Amz-Target).
func send(t *testing.T, url, op string, body any) hopAnswer {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ContentType)
	if op != "" {
		req.Header.Set("X-Amz-Target", TargetPrefix+op)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return hopAnswer{resp.StatusCode, resp.Header, respBody}
}

// startFakeHop starts a fake upstream and a hop in front of it.
func startFakeHop(t *testing.T, secrets map[string]string) (*fakeCognito, *StrictHop) {
	t.Helper()
	fake := &fakeCognito{}
	up := httptest.NewServer(fake)
	t.Cleanup(up.Close)
	return fake, StartStrictHop(t, up.URL, secrets)
}

// wantRefusal checks a Cognito-shaped refusal.
func wantRefusal(t *testing.T, got hopAnswer, status int, typ, msg string) {
	t.Helper()
	gotType, gotMsg := got.errorType()
	if got.status != status || gotType != typ || gotMsg != msg {
		t.Fatalf("got %d %s %q (%s), want %d %s %q", got.status, gotType, gotMsg, got.body, status, typ, msg)
	}
	if h := got.header.Get("X-Amzn-ErrorType"); h != typ+":" {
		t.Errorf("x-amzn-ErrorType = %q, want %q", h, typ+":")
	}
	if got.header.Get("X-Amzn-RequestId") == "" {
		t.Error("no x-amzn-RequestId")
	}
	if ct := got.header.Get("Content-Type"); ct != ContentType {
		t.Errorf("Content-Type = %q", ct)
	}
}
