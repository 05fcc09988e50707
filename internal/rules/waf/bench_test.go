package waf

import (
	"context"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/prefixset"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// cheapStore counts nothing and never says over: it measures the engine,
// not the store.
type cheapStore struct{}

func (cheapStore) Decide(_ context.Context, _ time.Time, hits []ratelimit.Hit, results []ratelimit.Result) error {
	for i := range hits {
		results[i] = ratelimit.Result{Counted: true, Count: 1}
	}
	return nil
}

// benchSets builds 10,000-entry allow and deny IP sets for both families,
// none containing 203.0.113.7 or 2001:db8:ffff::7.
func benchSets(b testing.TB) map[string]*prefixset.Set {
	mk := func(name string, v6 bool, seed byte) *prefixset.Set {
		ps := make([]netip.Prefix, 0, 10000)
		for i := range 10000 {
			if v6 {
				a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, seed, byte(i >> 8), byte(i), 1})
				ps = append(ps, netip.PrefixFrom(a, 64))
			} else {
				a := netip.AddrFrom4([4]byte{10 + seed, byte(i >> 8), byte(i), 0})
				ps = append(ps, netip.PrefixFrom(a, 24+(i%9)))
			}
		}
		s, err := prefixset.New(name, ps)
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	return map[string]*prefixset.Set{
		"AllowListV4": mk("AllowListV4", false, 1),
		"AllowListV6": mk("AllowListV6", true, 1),
		"DenyListV4":  mk("DenyListV4", false, 2),
		"DenyListV6":  mk("DenyListV6", true, 2),
	}
}

func benchEngine(b testing.TB, store ratelimit.Store) *Engine {
	e, err := New(readFile(b, "testdata/bench/cognito-acl.json"), Options{IPSets: benchSets(b), Store: store})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

func initiateAuthView() *request.View {
	body := []byte(`{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"3n4b5urk1ft4fl3mg5e62d9ado","AuthParameters":{"USERNAME":"alice","PASSWORD":"secret"}}`)
	return &request.View{
		Method: "POST", Path: "/", Proto: "HTTP/1.1", Host: "cognito-idp.eu-central-1.amazonaws.com", Scheme: "https",
		Header: http.Header{
			"X-Amz-Target":    {"AWSCognitoIdentityProviderService.InitiateAuth"},
			"Content-Type":    {"application/x-amz-json-1.1"},
			"User-Agent":      {"aws-sdk-js/3.0"},
			"Accept-Encoding": {"gzip"},
		},
		Body: body, BodyValidJSON: true,
		Target: "AWSCognitoIdentityProviderService.InitiateAuth", Operation: "InitiateAuth",
		ClientID: "3n4b5urk1ft4fl3mg5e62d9ado", Username: "alice", AuthFlow: "USER_PASSWORD_AUTH",
		PeerIP: netip.MustParseAddr("203.0.113.7"), ClientIP: netip.MustParseAddr("203.0.113.7"), Country: "DE",
	}
}

// BenchmarkEvaluateCognitoAllowedInitiateAuth evaluates the cognito-proxy +
// cognito-categories equivalent web ACL (10,000-entry IP sets, per-IP and
// per-category rate rules) for an allowed InitiateAuth request.
func BenchmarkEvaluateCognitoAllowedInitiateAuth(b *testing.B) {
	e := benchEngine(b, cheapStore{})
	v := initiateAuthView()
	var out Verdict
	ctx := context.Background()
	now := testStart
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := e.Evaluate(ctx, now, v, &out); err != nil {
			b.Fatal(err)
		}
	}
	if out.Action != ActionAllow {
		b.Fatalf("action %s by %s", out.Action, out.TerminatingRuleID)
	}
}

// BenchmarkEvaluateCognitoAllowedInitiateAuthIPv6 is the same from an
// IPv6 client.
func BenchmarkEvaluateCognitoAllowedInitiateAuthIPv6(b *testing.B) {
	e := benchEngine(b, cheapStore{})
	v := initiateAuthView()
	v.ClientIP = netip.MustParseAddr("2001:db8:ffff::7")
	var out Verdict
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := e.Evaluate(ctx, testStart, v, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateParallel measures concurrent evaluation on one Engine.
func BenchmarkEvaluateParallel(b *testing.B) {
	e := benchEngine(b, cheapStore{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		v := initiateAuthView()
		var out Verdict
		for pb.Next() {
			if err := e.Evaluate(context.Background(), testStart, v, &out); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func TestBenchACLBatchesRateRules(t *testing.T) {
	store := &countingStore{}
	e := benchEngine(t, store)
	var out Verdict
	if err := e.Evaluate(context.Background(), testStart, initiateAuthView(), &out); err != nil {
		t.Fatal(err)
	}
	if store.calls != 1 || store.hits != 2 {
		t.Errorf("Decide calls %d with %d hits, want 1 call with 2 hits (per IP, SignIn)", store.calls, store.hits)
	}
}

type countingStore struct{ calls, hits int }

func (s *countingStore) Decide(ctx context.Context, now time.Time, hits []ratelimit.Hit, results []ratelimit.Result) error {
	s.calls++
	s.hits += len(hits)
	return cheapStore{}.Decide(ctx, now, hits, results)
}
