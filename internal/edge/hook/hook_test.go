package hook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/request"
)

// fakeHook is a decision hook that answers with fn and records requests.
type fakeHook struct {
	*httptest.Server
	got   chan Request
	conns atomic.Int64
}

func startHook(t *testing.T, fn http.HandlerFunc) *fakeHook {
	t.Helper()
	f := &fakeHook{got: make(chan Request, 100)}
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req Request
		if err := json.NewDecoder(r.Body).Decode(&req); err == nil {
			select {
			case f.got <- req:
			default:
			}
		}
		fn(w, r)
	}))
	f.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			f.conns.Add(1)
		}
	}
	f.Start()
	t.Cleanup(f.Close)
	return f
}

func answer(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, body) }
}

func newHook(t *testing.T, url, onError string, n int) (*Hook, *Counters) {
	t.Helper()
	c := &Counters{}
	h := New(&config.DecisionHook{URL: cfgURL(t, url), Timeout: 200 * time.Millisecond, OnError: config.HookFailure(onError),
		Operations: []string{"SignUp"}, SendHeaders: []string{"user-agent"}, MaxConcurrency: n}, c)
	t.Cleanup(h.Close)
	return h, c
}

func view() *request.View {
	body := []byte(`{"ClientId":"c1","Username":"alice","Password":"hunter2"}`)
	return &request.View{Operation: "SignUp", ClientID: "c1", Username: "alice", Body: body, BodyValidJSON: true,
		Header: http.Header{"User-Agent": {"ua/1"}}, Country: "XX", RequestID: "req-1"}
}

func TestAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       Decision
		failure    Failure
	}{
		{"allow", `{"action":"allow"}`, Decision{Action: Allow}, ""},
		{"block default", `{"action":"block"}`, Decision{Action: Block, Status: 403, ErrorType: "ForbiddenException", Message: "Request blocked by the decision hook."}, ""},
		{"block shaped", `{"action":"block","status":400,"error_type":"NotAuthorizedException","message":"nope","labels":["risk:high"]}`,
			Decision{Action: Block, Status: 400, ErrorType: "NotAuthorizedException", Message: "nope", Labels: []string{"poolguard:hook:risk:high"}}, ""},
		{"captcha", `{"action":"captcha"}`, Decision{Action: Captcha}, ""},
		{"challenge", `{"action":"challenge"}`, Decision{Action: Challenge}, ""},
		{"count with labels", `{"action":"count","labels":["bot:suspect","score:70"]}`,
			Decision{Action: Count, Labels: []string{"poolguard:hook:bot:suspect", "poolguard:hook:score:70"}}, ""},
		{"unknown action", `{"action":"maybe"}`, Decision{}, FailResponse},
		{"not json", `<html>`, Decision{}, FailResponse},
		{"bad status code", `{"action":"block","status":302}`, Decision{}, FailResponse},
		{"bad label", `{"action":"allow","labels":["a b"]}`, Decision{}, FailResponse},
		{"bad error type", `{"action":"block","error_type":"<script>"}`, Decision{}, FailResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startHook(t, answer(tc.body))
			h, _ := newHook(t, f.URL, "allow", 4)
			d, err := h.Decide(context.Background(), view(), nil)
			if tc.failure != "" {
				var he *Error
				if !errors.As(err, &he) || he.Failure != tc.failure || d.Failure != tc.failure || d.Action != Allow {
					t.Fatalf("Decide = %+v, %v; want on_error allow with failure %s", d, err, tc.failure)
				}
				return
			}
			if err != nil || !equal(d, tc.want) {
				t.Fatalf("Decide = %+v, %v; want %+v", d, err, tc.want)
			}
		})
	}
}

func equal(a, b Decision) bool {
	return a.Action == b.Action && a.Status == b.Status && a.ErrorType == b.ErrorType &&
		a.Message == b.Message && slices.Equal(a.Labels, b.Labels) && a.Failure == b.Failure
}

func TestRequestSent(t *testing.T) {
	f := startHook(t, answer(`{"action":"allow"}`))
	h, _ := newHook(t, f.URL, "allow", 4)
	if _, err := h.Decide(context.Background(), view(), []string{"awswaf:1:webacl:w:x"}); err != nil {
		t.Fatal(err)
	}
	got := <-f.got
	if got.Operation != "SignUp" || got.ClientID != "c1" || got.Username != "alice" || got.Headers["user-agent"] != "ua/1" ||
		got.RequestID != "req-1" || !slices.Equal(got.Labels, []string{"awswaf:1:webacl:w:x"}) {
		t.Errorf("hook got %+v", got)
	}
}

// TestFailuresFollowOnError covers a hook that times out, is down, or
// answers 500, with each on_error.
func TestFailuresFollowOnError(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	slow := startHook(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	broken := startHook(t, func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "oops", 500) })
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	down := "http://" + l.Addr().String()
	l.Close()
	for _, url := range []struct {
		name    string
		url     string
		failure Failure
	}{{"timeout", slow.URL, FailTimeout}, {"down", down, FailUnavailable}, {"500", broken.URL, FailStatus}} {
		for _, onError := range []string{"allow", "block"} {
			t.Run(url.name+"/"+onError, func(t *testing.T) {
				h, c := newHook(t, url.url, onError, 4)
				d, err := h.Decide(context.Background(), view(), nil)
				if err == nil || d.Failure != url.failure || string(d.Action) != onError {
					t.Fatalf("Decide = %+v, %v; want %s by on_error after %s", d, err, onError, url.failure)
				}
				if !slices.Equal(d.Labels, []string{"poolguard:hook:error:" + string(url.failure)}) {
					t.Errorf("labels %v", d.Labels)
				}
				if onError == "block" && (d.Status != 403 || d.ErrorType != "ForbiddenException") {
					t.Errorf("on_error block answers %d %s", d.Status, d.ErrorType)
				}
				s := c.Stats()
				if s.Failures[url.failure] != 1 || s.Decisions[Action(onError)] != 1 || s.Calls != 1 {
					t.Errorf("stats %+v", s)
				}
			})
		}
	}
}

// TestConcurrencyLimit: with every slot busy a call decides by on_error at
// once, without contacting the hook.
func TestConcurrencyLimit(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	f := startHook(t, func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		_, _ = io.WriteString(w, `{"action":"allow"}`)
	})
	c := &Counters{}
	h := New(&config.DecisionHook{URL: cfgURL(t, f.URL), Timeout: 5 * time.Second, OnError: config.HookBlock,
		Operations: []string{"SignUp"}, MaxConcurrency: 1}, c)
	first := make(chan Decision)
	go func() {
		d, _ := h.Decide(context.Background(), view(), nil)
		first <- d
	}()
	<-entered
	d, err := h.Decide(context.Background(), view(), nil)
	if d.Failure != FailOverloaded || d.Action != Block || err == nil {
		t.Errorf("second call = %+v, %v; want overloaded, blocked", d, err)
	}
	close(release)
	if d := <-first; d.Action != Allow {
		t.Errorf("first call = %+v", d)
	}
	if s := c.Stats(); s.Calls != 1 || s.Failures[FailOverloaded] != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestConnectionsAreReused(t *testing.T) {
	f := startHook(t, answer(`{"action":"allow"}`))
	h, _ := newHook(t, f.URL, "allow", 4)
	for range 20 {
		if _, err := h.Decide(context.Background(), view(), nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.conns.Load(); n != 1 {
		t.Errorf("20 sequential calls opened %d connections, want 1", n)
	}
}

func TestNilHookWantsNothing(t *testing.T) {
	var h *Hook
	if h.Wants("SignUp") {
		t.Error("nil hook wants SignUp")
	}
	h2, _ := newHook(t, "http://127.0.0.1:1", "allow", 1)
	if !h2.Wants("SignUp") || h2.Wants("InitiateAuth") {
		t.Error("Wants does not follow operations")
	}
}

// cfgURL is s parsed as the configuration parses a URL.
func cfgURL(t *testing.T, s string) config.URL {
	t.Helper()
	u, err := config.ParseURL(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
