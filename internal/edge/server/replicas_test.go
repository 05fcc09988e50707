package server

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/rules/ipsets"
	"github.com/poolguard/poolguard/internal/rules/ratelimit/redisstore"
	"github.com/poolguard/poolguard/internal/testkit/redistest"
	"github.com/redis/go-redis/v9"
)

const replicaConfig = `
upstream: {endpoint: UPSTREAM}
trusted_proxies: [127.0.0.1/32]
clients: [{client_id: c1, client_secret: s}]
waf:
  presets:
    - cognito-proxy
    - {name: cognito-categories, params: {SignInRateLimit: 100, EvaluationWindowSec: 60}}
`

// replica is one proxy process's worth of state, in-process.
type replica struct {
	url string
	reg *ipsets.Registry
	// synced returns once the registry's Run has done a whole round
	// (Sync and Expire) that started after the call.
	synced func()
}

// startReplicas starts n proxies sharing one Redis, as n replicas behind a
// load balancer would.
func startReplicas(t *testing.T, n int) []replica {
	t.Helper()
	rd := redistest.Start(t)
	path := writeConfig(t, replicaConfig, okUpstream(t).URL)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	out := make([]replica, n)
	for i := range out {
		guard, client, _ := redisGuard(t, rd, redisstore.FailOpen)
		reg, err := ipsets.Open(ctx, ipsets.NewRedis(client, "pg:"), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		synced := runInRounds(ctx, t, reg)
		p := serveFile(t, path, Deps{Store: guard, IPSets: reg}, nil)
		out[i] = replica{url: p.URL, reg: reg, synced: synced}
	}
	return out
}

// runInRounds runs reg.Run until ctx is done, with a clock that hands each
// round to the test, and returns a function that returns once a whole
// round has run after it was called. The bound only catches a Run that
// stopped; nothing waits on time.
func runInRounds(ctx context.Context, t *testing.T, reg *ipsets.Registry) func() {
	rounds := make(chan struct{})
	go reg.Run(ctx, time.Millisecond, func() time.Time {
		select {
		case rounds <- struct{}{}:
		case <-ctx.Done():
		}
		return time.Now()
	}, func(error) {})
	return func() {
		t.Helper()
		// The round that starts after the first hand-over has finished
		// when Run asks for the time again.
		for range 2 {
			select {
			case <-rounds:
			case <-time.After(10 * time.Second):
				t.Fatal("the registry's Run stopped")
			}
		}
	}
}

// An attacker spread round-robin over three replicas at 5× the limit meets
// one limit: no more than limit + 1% of its requests are admitted.
func TestThreeReplicasShareOneLimit(t *testing.T) {
	reps := startReplicas(t, 3)
	const limit, sent = 100, 500
	admitted := 0
	for i := range sent {
		if status, _ := initiateAuth(t, reps[i%3].url, "198.51.100.7"); status == 200 {
			admitted++
		}
	}
	t.Logf("%d of %d requests admitted across 3 replicas (limit %d)", admitted, sent, limit)
	if admitted > limit+limit/100 || admitted < limit-limit/100 {
		t.Fatalf("%d of %d requests admitted across 3 replicas, want %d (±1%%)", admitted, sent, limit)
	}
	if status, _ := initiateAuth(t, reps[1].url, "198.51.100.8"); status != 200 {
		t.Fatalf("another IP refused: %d", status)
	}
}

// An address added to the deny list on replica A is blocked on replica B
// at B's next registry round, with no restart.
func TestDenyListReachesEveryReplica(t *testing.T) {
	reps := startReplicas(t, 2)
	const ip = "203.0.113.66"
	if status, _ := initiateAuth(t, reps[1].url, ip); status != 200 {
		t.Fatalf("before: %d", status)
	}
	err := reps[0].reg.Add(context.Background(), time.Now(), "DenyListV4", []netip.Prefix{netip.MustParsePrefix(ip + "/32")}, 0)
	if err != nil {
		t.Fatal(err)
	}
	reps[1].synced()
	if status, _ := initiateAuth(t, reps[1].url, ip); status != 403 {
		t.Fatalf("replica B answers %d after its registry synced the deny-list change", status)
	}
}

// With fail_closed, a Redis outage refuses requests in Cognito's shape;
// with fail_open they keep flowing on local counters; when Redis is back,
// both recover by themselves.
func TestRedisOutagePolicies(t *testing.T) {
	for _, tc := range []struct {
		policy     redisstore.Policy
		wantDuring int
	}{{redisstore.FailOpen, 200}, {redisstore.FailClosed, 500}} {
		rd := redistest.Start(t)
		fallbacks := &fallbackCounter{}
		srv, guard, circuits := startGuarded(t, rd, tc.policy, fallbacks)

		if status, _ := initiateAuth(t, srv, "198.51.100.9"); status != 200 {
			t.Fatalf("%v before the outage: %d", tc.policy, status)
		}
		rd.Kill()
		for i := range 5 {
			status, body := initiateAuth(t, srv, "198.51.100.9")
			if status != tc.wantDuring {
				t.Fatalf("%v during the outage, request %d: %d %s", tc.policy, i, status, body)
			}
			if status == 500 && !strings.Contains(body, `"__type":"InternalErrorException"`) {
				t.Fatalf("refusal not in Cognito's shape: %s", body)
			}
		}
		ready, detail := RateStoreReadiness(guard)
		if ready != (tc.policy == redisstore.FailOpen) || detail == "" {
			t.Fatalf("%v during the outage: ready %v (%s)", tc.policy, ready, detail)
		}
		if tc.policy == redisstore.FailOpen && fallbacks.n.Load() != 5 {
			t.Fatalf("%d of 5 requests reported a fail_open fallback", fallbacks.n.Load())
		}
		rd.Restart()
		for guard.Degraded() {
			circuits.await(t, false, tc.policy.String()+": the guard's recovery after Redis came back")
		}
		if status, _ := initiateAuth(t, srv, "198.51.100.9"); status != 200 {
			t.Fatalf("%v after recovery: %d", tc.policy, status)
		}
	}
}

// fallbackCounter counts requests reported as decided on local counters.
type fallbackCounter struct{ n atomic.Int64 }

func (f *fallbackCounter) Observe(o *observe.Outcome) {
	if o.StoreFallback {
		f.n.Add(1)
	}
}

// Redis killed while requests flow from several clients: under fail_open
// not one request fails, limits keep applying on local counters (an
// attacker over the limit stays blocked), and shared counting resumes by
// itself when Redis returns.
func TestRedisKilledMidLoadFailOpen(t *testing.T) {
	rd := redistest.Start(t)
	srv, guard, circuits := startGuarded(t, rd, redisstore.FailOpen, nil)

	// The attacker goes over its SignIn limit (100 per 60 s) before the outage.
	for range 110 {
		initiateAuth(t, srv, "198.51.100.66")
	}
	var failed atomic.Int64
	var sent progress
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range 4 { // legitimate clients, each far under the limit
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ip := "203.0.113." + strconv.Itoa(c*50+i%50)
				if status := initiateAuthStatus(srv, ip); status != 200 {
					failed.Add(1)
				}
				sent.add()
			}
		})
	}
	sent.await(t, 200, "legitimate requests before the outage")
	rd.Kill()
	for !guard.Degraded() {
		circuits.await(t, true, "the guard's circuit opening when Redis is killed")
	}
	sent.await(t, 200, "legitimate requests during the outage")
	// Local counters apply while Redis is gone: a new attacker is cut off
	// at its limit on this replica.
	blocked := 0
	for range 110 {
		if status, _ := initiateAuth(t, srv, "198.51.100.77"); status == 403 {
			blocked++
		}
	}
	rd.Restart()
	for guard.Degraded() {
		circuits.await(t, false, "the guard's recovery after Redis came back")
	}
	sent.await(t, 200, "legitimate requests after the recovery")
	close(stop)
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d of %d legitimate requests failed across the outage", failed.Load(), sent.count())
	}
	if blocked != 10 {
		t.Fatalf("during the outage %d of 110 requests over the limit were blocked, want 10 (local counters)", blocked)
	}
	// Shared counting again: a fresh attacker's 101st request is blocked.
	for i := range 100 {
		if status, _ := initiateAuth(t, srv, "198.51.100.88"); status != 200 {
			t.Fatalf("request %d after recovery: %d", i+1, status)
		}
	}
	if status, _ := initiateAuth(t, srv, "198.51.100.88"); status != 403 {
		t.Fatalf("the 101st after recovery: %d", status)
	}
	if n, _ := rd.Do("DBSIZE"); n == "0" || n == "" {
		t.Fatalf("Redis holds no counters after recovery (DBSIZE %q)", n)
	}
}

// signalTimeout bounds every wait for a signal in these tests: far above
// any expected delay (shared CI machines are noisy); reaching it fails the
// test instead of hanging it. No test passes or fails by how fast it ran.
const signalTimeout = 20 * time.Second

// circuitEvents receives a guard's circuit changes (GuardOptions.OnChange):
// true when a node's circuit opens, false when it closes.
type circuitEvents chan bool

// onChange is the guard's OnChange: it never blocks the guard (the buffer
// holds far more changes than a test makes).
func (e circuitEvents) onChange(_ string, open bool) {
	select {
	case e <- open:
	default:
	}
}

// await returns once a circuit change to open arrives, skipping others.
func (e circuitEvents) await(t *testing.T, open bool, what string) {
	t.Helper()
	timeout := time.NewTimer(signalTimeout)
	defer timeout.Stop()
	for {
		select {
		case got := <-e:
			if got == open {
				return
			}
		case <-timeout.C:
			t.Fatalf("no signal of %s within %v", what, signalTimeout)
		}
	}
}

// progress counts finished requests; await blocks until n more finish.
type progress struct {
	mu     sync.Mutex
	n      int64
	goal   int64
	notify chan struct{} // closed when n reaches goal
}

func (p *progress) add() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if p.notify != nil && p.n >= p.goal {
		close(p.notify)
		p.notify = nil
	}
}

func (p *progress) count() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// await returns once n more requests than now have finished.
func (p *progress) await(t *testing.T, n int64, what string) {
	t.Helper()
	p.mu.Lock()
	p.goal, p.notify = p.n+n, make(chan struct{})
	reached := p.notify
	p.mu.Unlock()
	select {
	case <-reached:
	case <-time.After(signalTimeout):
		t.Fatalf("fewer than %d %s within %v", n, what, signalTimeout)
	}
}

// initiateAuthStatus is initiateAuth for other goroutines: an error is
// status 0.
func initiateAuthStatus(base, clientIP string) int {
	req, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(
		`{"ClientId":"c1","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"u","PASSWORD":"p"}}`))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	req.Header.Set("X-Forwarded-For", clientIP)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// startGuarded serves one proxy whose rate store is rd behind the failure
// guard with policy; obs, if not nil, receives finished requests.
func startGuarded(t *testing.T, rd *redistest.Server, policy redisstore.Policy, obs observe.Observer) (string, *redisstore.Guard, circuitEvents) {
	t.Helper()
	guard, _, circuits := redisGuard(t, rd, policy)
	p := serveFile(t, writeConfig(t, replicaConfig, okUpstream(t).URL), Deps{Store: guard}, obs)
	p.Handler.SetDegraded(guard.Degraded)
	return p.URL, guard, circuits
}

// testBudget is the guards' latency budget in these tests: above the
// default, since the shared test machine can stall a healthy Redis call for
// tens of milliseconds, which would make an exact-count test decide locally.
const testBudget = 250 * time.Millisecond

// redisGuard connects to rd and returns its rate store behind a failure
// guard with policy, the client (for other shared state) and the guard's
// circuit changes.
func redisGuard(t *testing.T, rd *redistest.Server, policy redisstore.Policy) (*redisstore.Guard, redis.UniversalClient, circuitEvents) {
	t.Helper()
	client, err := redisstore.NewClient(redisstore.ClientConfig{Addresses: []string{rd.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	rs, err := redisstore.New(client, "pg:")
	if err != nil {
		t.Fatal(err)
	}
	circuits := make(circuitEvents, 64)
	guard := redisstore.NewGuard(rs, redisstore.GuardOptions{Policy: policy, Budget: testBudget, OnChange: circuits.onChange})
	t.Cleanup(guard.Close)
	return guard, client, circuits
}
