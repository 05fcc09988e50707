package proxy

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/hook"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/testkit/servetest"
)

// seen is what an observer kept of one Outcome.
type seen struct {
	op, hookAction, hookFailure, terminating string
	status                                   int
	labels                                   []string
	forwarded                                bool
}

// outcomes records finished requests; it is safe for concurrent use.
type outcomes struct {
	mu  sync.Mutex
	all []seen
}

func (o *outcomes) Observe(out *observe.Outcome) {
	s := seen{op: out.View.Operation, hookAction: out.HookAction, hookFailure: out.HookFailure,
		status: out.Status, forwarded: out.Forwarded}
	if out.Verdict != nil {
		s.labels, s.terminating = slices.Clone(out.Verdict.Labels), out.Verdict.TerminatingRuleID
	}
	o.mu.Lock()
	o.all = append(o.all, s)
	o.mu.Unlock()
}

func (o *outcomes) last() seen {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.all[len(o.all)-1]
}

// hookProxy serves a proxy whose decision hook is at hookURL, in front of
// an upstream that answers 200.
func hookProxy(t *testing.T, hookURL, onError string, n int, timeout time.Duration) (string, *outcomes, *hook.Counters) {
	t.Helper()
	counters := &hook.Counters{}
	hk := hook.New(&config.DecisionHook{URL: cfgURL(t, hookURL), Timeout: timeout, OnError: config.HookFailure(onError),
		Operations: []string{"SignUp"}, SendHeaders: []string{"User-Agent"}, BodyFields: []string{"UserAttributes"}, MaxConcurrency: n}, counters)
	t.Cleanup(hk.Close)
	st := testState()
	st.Hook = hk
	up := httptest.NewServer(&recorder{})
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL)
	upstream := NewUpstream(u, 5*time.Second, 64)
	t.Cleanup(upstream.Close)
	obs := &outcomes{}
	srv := servetest.Serve(t, New(st, upstream, slog.New(slog.DiscardHandler), obs))
	return srv.URL, obs, counters
}

const signUpBody = `{"ClientId":"` + clientID + `","Username":"eve","Password":"Passw0rd!","UserAttributes":[{"Name":"email","Value":"eve@example.com"}]}`

// blockIP is a decision hook that blocks SignUp from one address and
// labels everything else.
func blockIP(ip string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req hook.Request
		_ = json.NewDecoder(r.Body).Decode(&req)
		if strings.Contains(string(req.Fields["UserAttributes"]), "Passw0rd") {
			http.Error(w, "the hook saw a password", 500)
			return
		}
		if req.ClientIP == ip {
			_, _ = io.WriteString(w, `{"action":"block","status":400,"error_type":"NotAuthorizedException","message":"Sign-up is not available.","labels":["ip:denied"]}`)
			return
		}
		_, _ = io.WriteString(w, `{"action":"count","labels":["risk:low"]}`)
	}
}

func TestHookBlocksSignUpForOneClientIP(t *testing.T) {
	hk := httptest.NewServer(blockIP("203.0.113.7"))
	t.Cleanup(hk.Close)
	proxyURL, obs, _ := hookProxy(t, hk.URL, "allow", 8, time.Second)

	resp := call(t, proxyURL, "SignUp", signUpBody, map[string]string{"X-Forwarded-For": "203.0.113.7"})
	checkCognitoError(t, resp, 400, "NotAuthorizedException")
	if o := obs.last(); o.hookAction != "block" || o.forwarded || o.terminating != hook.RuleID ||
		!slices.Contains(o.labels, "poolguard:hook:ip:denied") {
		t.Errorf("blocked outcome %+v", o)
	}

	resp = call(t, proxyURL, "SignUp", signUpBody, map[string]string{"X-Forwarded-For": "198.51.100.1"})
	if resp.StatusCode != 200 {
		t.Fatalf("another address: status %d", resp.StatusCode)
	}
	if o := obs.last(); o.hookAction != "count" || !o.forwarded || !slices.Contains(o.labels, "poolguard:hook:risk:low") {
		t.Errorf("counted outcome %+v", o)
	}

	resp = call(t, proxyURL, "InitiateAuth", `{"ClientId":"`+clientID+`","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"eve","PASSWORD":"x"}}`,
		map[string]string{"X-Forwarded-For": "203.0.113.7"})
	if o := obs.last(); resp.StatusCode != 200 || o.hookAction != "" {
		t.Errorf("an operation the hook does not want: status %d, outcome %+v", resp.StatusCode, o)
	}
}

// TestDeadHookFollowsOnError: a hook that refuses connections decides by
// on_error, and the outcome says so.
func TestDeadHookFollowsOnError(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + l.Addr().String()
	l.Close()
	for _, tc := range []struct {
		onError string
		status  int
	}{{"allow", 200}, {"block", 403}} {
		t.Run(tc.onError, func(t *testing.T) {
			proxyURL, obs, counters := hookProxy(t, dead, tc.onError, 8, time.Second)
			resp := call(t, proxyURL, "SignUp", signUpBody, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status == 403 {
				checkCognitoError(t, resp, 403, "ForbiddenException")
			}
			o := obs.last()
			if o.hookAction != tc.onError || o.hookFailure != "unavailable" || !slices.Contains(o.labels, "poolguard:hook:error:unavailable") {
				t.Errorf("outcome %+v", o)
			}
			if s := counters.Stats(); s.Failures[hook.FailUnavailable] != 1 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

// TestSlowHookUnderLoad: a hook that never answers holds at most
// max_concurrency calls; every other hooked request is decided by on_error
// at once, and requests the hook does not want keep flowing.
func TestSlowHookUnderLoad(t *testing.T) {
	const slots, signUps, others = 4, 40, 60
	release := make(chan struct{})
	var inFlight, maxInFlight atomic.Int64
	hk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := maxInFlight.Load(); n > m && !maxInFlight.CompareAndSwap(m, n); m = maxInFlight.Load() {
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hk.Close)
	// A timeout far longer than the test: slots stay taken until release.
	proxyURL, _, counters := hookProxy(t, hk.URL, "allow", slots, time.Minute)

	var wg sync.WaitGroup
	var signUpOK, otherOK atomic.Int64
	finished := make(chan struct{}, signUps) // one per SignUp answered
	for range signUps {
		wg.Go(func() {
			defer func() { finished <- struct{}{} }()
			req, _ := http.NewRequest(http.MethodPost, proxyURL+"/", strings.NewReader(signUpBody))
			req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.SignUp")
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					signUpOK.Add(1)
				}
			}
		})
	}
	for range others {
		if resp := call(t, proxyURL, "InitiateAuth", `{"ClientId":"`+clientID+`","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"u","PASSWORD":"p"}}`, nil); resp.StatusCode == 200 {
			otherOK.Add(1)
		}
	}
	// Every SignUp but those holding a slot finishes while the hook hangs.
	bound := time.After(time.Minute) // far above the test's own time
	for range signUps - slots {
		select {
		case <-finished:
		case <-bound:
			t.Fatalf("SignUps without a slot did not finish: %+v", counters.Stats())
		}
	}
	close(release)
	wg.Wait()
	s := counters.Stats()
	t.Logf("hook stats %+v; max in flight at the hook %d", s, maxInFlight.Load())
	if otherOK.Load() != others || signUpOK.Load() != signUps {
		t.Errorf("completed %d/%d InitiateAuth and %d/%d SignUp", otherOK.Load(), others, signUpOK.Load(), signUps)
	}
	if maxInFlight.Load() > slots || s.Calls != slots || s.Failures[hook.FailOverloaded] != signUps-slots {
		t.Errorf("the hook saw up to %d calls at once (limit %d); stats %+v", maxInFlight.Load(), slots, s)
	}
}

// A reload that replaces the decision hook closes the old hook's idle
// connections (they would linger until the hook server dropped them), and
// Handler.Close closes the current one's when the server stops.
func TestReplacedHookClosesItsConnections(t *testing.T) {
	closed := make(chan struct{}, 8)
	hkSrv := httptest.NewUnstartedServer(blockIP("203.0.113.7"))
	hkSrv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	hkSrv.Start()
	t.Cleanup(hkSrv.Close)
	newHook := func() *hook.Hook {
		hk := hook.New(&config.DecisionHook{URL: cfgURL(t, hkSrv.URL), Timeout: 5 * time.Second, OnError: config.HookAllow,
			Operations: []string{"SignUp"}, MaxConcurrency: 4}, &hook.Counters{})
		return hk
	}
	up := httptest.NewServer(&recorder{})
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL)
	st := testState()
	st.Hook = newHook()
	h := New(st, NewUpstream(u, 5*time.Second, 4), slog.New(slog.DiscardHandler), nil)
	srv := servetest.Serve(t, h)
	signUp := func() {
		t.Helper()
		resp := call(t, srv.URL, "SignUp", signUpBody, map[string]string{"X-Forwarded-For": "198.51.100.1"})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("SignUp: %d", resp.StatusCode)
		}
	}
	waitClosed := func(what string) {
		t.Helper()
		select {
		case <-closed:
		case <-time.After(30 * time.Second): // a safety bound, not a timing
			t.Fatalf("%s: the hook connection is still open", what)
		}
	}

	signUp() // the hook's connection is now idle in its client
	next := testState()
	next.Hook = newHook()
	h.Swap(next, nil)
	waitClosed("after a reload replaced the hook")

	signUp()
	h.Close()
	waitClosed("after Handler.Close")
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
