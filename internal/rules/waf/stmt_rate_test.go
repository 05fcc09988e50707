package waf

import (
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

func TestRateBasedStatement(t *testing.T) {
	store := newFakeStore()
	o := testOptions()
	o.Store = store
	doc := rulesDoc(
		ruleJSON("ip", 0, rateStmt(`"Limit":10,"EvaluationWindowSec":60,"AggregateKeyType":"IP"`), block),
		ruleJSON("path", 1, rateStmt(`"Limit":10,"EvaluationWindowSec":60,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{"UriPath":{"TextTransformations":[{"Priority":0,"Type":"LOWERCASE"}]}},{"QueryArgument":{"Name":"u","TextTransformations":`+tNONE+`}}]`), block),
	)
	e, err := New([]byte(doc), o)
	if err != nil {
		t.Fatal(err)
	}
	var out Verdict
	eval := func(at time.Duration, r testRequest) {
		t.Helper()
		if err := e.Evaluate(context.Background(), testStart.Add(at), r.view(), &out); err != nil {
			t.Fatal(err)
		}
	}
	// Ten requests from ten IPs to one path and user: the eleventh is over
	// on the custom key, not on any IP.
	for i := range 10 {
		eval(0, testRequest{ClientIP: "192.0.2." + itoa(i+1), URI: "/Login?u=bob"})
		if out.Action != ActionAllow {
			t.Fatalf("request %d: %s by %s", i, out.Action, out.TerminatingRuleID)
		}
	}
	eval(time.Second, testRequest{ClientIP: "192.0.2.99", URI: "/login?u=bob"})
	if out.TerminatingRuleID != "path" || len(out.RateBased) != 1 || out.RateBased[0].LimitValue != "/login, bob" {
		t.Fatalf("got %s by %s, rate %+v", out.Action, out.TerminatingRuleID, out.RateBased)
	}
	if store.calls != 11 {
		t.Errorf("Decide called %d times for 11 requests, want one call each", store.calls)
	}
	// A request without the query argument is not counted by "path".
	eval(2*time.Second, testRequest{ClientIP: "192.0.2.100", URI: "/login"})
	if out.Action != ActionAllow {
		t.Errorf("request without key: %s by %s", out.Action, out.TerminatingRuleID)
	}
}

func TestRateRunsSplitOnLabelDependency(t *testing.T) {
	o := testOptions()
	doc := rulesDoc(
		`{"Name":"a","Priority":0,"Statement":`+rateStmt(`"Limit":10,"AggregateKeyType":"IP"`)+`,"Action":{"Count":{}},"RuleLabels":[{"Name":"a:over"}]}`,
		ruleJSON("b", 1, rateStmt(`"Limit":10,"AggregateKeyType":"IP","ScopeDownStatement":`+pathIs("/")), block),
		ruleJSON("c", 2, rateStmt(`"Limit":10,"AggregateKeyType":"IP","ScopeDownStatement":{"LabelMatchStatement":{"Scope":"NAMESPACE","Key":"a:"}}`), block),
		ruleJSON("d", 3, rateStmt(`"Limit":10,"AggregateKeyType":"IP","ScopeDownStatement":{"LabelMatchStatement":{"Scope":"NAMESPACE","Key":"other:"}}`), block),
		ruleJSON("e", 4, pathIs("/x"), block),
		ruleJSON("f", 5, rateStmt(`"Limit":10,"AggregateKeyType":"CONSTANT","ScopeDownStatement":`+pathIs("/")), block),
	)
	e, err := New([]byte(doc), o)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, st := range e.steps {
		var names []string
		for _, r := range st.rules {
			names = append(names, r.name)
		}
		got = append(got, names)
	}
	want := [][]string{{"a", "b"}, {"c", "d"}, {"e"}, {"f"}}
	if len(got) != len(want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) || got[i][0] != want[i][0] {
			t.Fatalf("steps %v, want %v", got, want)
		}
	}
}

func TestRateStoreErrorIsAnEngineFailure(t *testing.T) {
	o := testOptions()
	o.Store = failingStore{}
	e, err := New([]byte(rulesDoc(ruleJSON("r", 0, rateStmt(`"Limit":10,"AggregateKeyType":"IP"`), block))), o)
	if err != nil {
		t.Fatal(err)
	}
	var out Verdict
	if err := e.Evaluate(context.Background(), testStart, (&testRequest{}).view(), &out); err == nil {
		t.Fatal("no error from a failing store")
	}
}

type failingStore struct{}

func (failingStore) Decide(context.Context, time.Time, []ratelimit.Hit, []ratelimit.Result) error {
	return errors.New("store down")
}

// TestRateKeysAggregateIPv6 checks the keys of every IP-based aggregation
// with Options.IPv6Prefix 64: the addresses of one /64, zoned or not, in
// the client address or in a forwarded-IP header, make one key; an IPv4
// address is its own key.
func TestRateKeysAggregateIPv6(t *testing.T) {
	fwd := `"ForwardedIPConfig":{"HeaderName":"X-Forwarded-For","FallbackBehavior":"NO_MATCH"}`
	stmts := map[string]string{
		"IP":                      `"Limit":10,"AggregateKeyType":"IP"`,
		"FORWARDED_IP":            `"Limit":10,"AggregateKeyType":"FORWARDED_IP",` + fwd,
		"CUSTOM_KEYS IP":          `"Limit":10,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{"IP":{}}]`,
		"CUSTOM_KEYS ForwardedIP": `"Limit":10,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{"ForwardedIP":{}}],` + fwd,
	}
	for name, stmt := range stmts {
		t.Run(name, func(t *testing.T) {
			store := newFakeStore()
			o := testOptions()
			o.Store, o.IPv6Prefix = store, 64
			e, err := New([]byte(rulesDoc(ruleJSON("r", 0, rateStmt(stmt), block))), o)
			if err != nil {
				t.Fatal(err)
			}
			var out Verdict
			for _, a := range []string{"2001:db8:1:2::1", "2001:db8:1:2:ffff::2", "fe80::1%eth0", "fe80::1%eth1", "198.51.100.7", "::ffff:198.51.100.7"} {
				r := testRequest{ClientIP: a, URI: "/", Headers: map[string]string{"X-Forwarded-For": a}}
				if err := e.Evaluate(context.Background(), testStart, r.view(), &out); err != nil {
					t.Fatal(err)
				}
			}
			var keys []string
			for k := range store.seen {
				_, key, _ := strings.Cut(k, "\x00")
				keys = append(keys, key)
			}
			if strings.HasPrefix(name, "CUSTOM_KEYS") {
				for i, k := range keys { // length-prefixed components
					keys[i] = k[1:]
				}
			}
			slices.Sort(keys)
			want := []string{"198.51.100.7", "2001:db8:1:2::/64", "fe80::/64"}
			if !slices.Equal(keys, want) {
				t.Fatalf("keys %q; want %q", keys, want)
			}
		})
	}
}

// TestRateCustomKeyValues checks the value each kind of custom key counts
// (a length-prefixed component of the key) and that a request without the
// component is not counted at all: a missing cookie or query string must
// not fall back to another value, or to an empty key all such requests
// would share.
func TestRateCustomKeyValues(t *testing.T) {
	long := strings.Repeat("v", 200) // a length that takes two varint bytes
	for _, tt := range []struct {
		name string
		key  string // one CustomKeys entry
		req  testRequest
		want string // the counted value; "" means not counted
	}{
		{"cookie", `{"Cookie":{"Name":"sid","TextTransformations":` + tNONE + `}}`,
			testRequest{URI: "/", Headers: map[string]string{"Cookie": "a=1; sid=xyz; b=2"}}, "xyz"},
		{"cookie first of several", `{"Cookie":{"Name":"a","TextTransformations":` + tNONE + `}}`,
			testRequest{URI: "/", Headers: map[string]string{"Cookie": "a=1; sid=xyz"}}, "1"},
		{"cookie missing", `{"Cookie":{"Name":"sid","TextTransformations":` + tNONE + `}}`,
			testRequest{URI: "/", Headers: map[string]string{"Cookie": "a=1; sidx=2"}}, ""},
		{"no cookie header", `{"Cookie":{"Name":"sid","TextTransformations":` + tNONE + `}}`,
			testRequest{URI: "/"}, ""},
		{"query string", `{"QueryString":{"TextTransformations":` + tNONE + `}}`,
			testRequest{URI: "/p?a=1&b=2"}, "a=1&b=2"},
		{"query string missing", `{"QueryString":{"TextTransformations":` + tNONE + `}}`,
			testRequest{URI: "/p"}, ""},
		{"query argument", `{"QueryArgument":{"Name":"u","TextTransformations":` + tNONE + `}}`,
			testRequest{URI: "/p?a=1&u=bob"}, "bob"},
		{"query argument missing", `{"QueryArgument":{"Name":"u","TextTransformations":` + tNONE + `}}`,
			testRequest{URI: "/p?a=1&uu=bob"}, ""},
		{"header", `{"Header":{"Name":"x-k","TextTransformations":` + tNONE + `}}`,
			testRequest{URI: "/", Headers: map[string]string{"X-K": "v1"}}, "v1"},
		{"long header", `{"Header":{"Name":"x-k","TextTransformations":` + tNONE + `}}`,
			testRequest{URI: "/", Headers: map[string]string{"X-K": long}}, long},
		{"header missing", `{"Header":{"Name":"x-k","TextTransformations":` + tNONE + `}}`,
			testRequest{URI: "/"}, ""},
		{"method", `{"HTTPMethod":{}}`, testRequest{Method: "PUT", URI: "/"}, "PUT"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			store := newFakeStore()
			o := testOptions()
			o.Store = store
			e, err := New([]byte(rulesDoc(ruleJSON("r", 0, rateStmt(`"Limit":10,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[`+tt.key+`]`), block))), o)
			if err != nil {
				t.Fatal(err)
			}
			var out Verdict
			if err := e.Evaluate(context.Background(), testStart, tt.req.view(), &out); err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k := range store.seen {
				_, key, _ := strings.Cut(k, "\x00")
				keys = append(keys, key)
			}
			var want []string
			if tt.want != "" {
				want = []string{string(binary.AppendUvarint(nil, uint64(len(tt.want)))) + tt.want}
			}
			if !slices.Equal(keys, want) {
				t.Errorf("counted keys %q, want %q", keys, want)
			}
		})
	}
}

// TestRateKeyText checks how a custom key is rendered for the log's
// LimitValue: its components, comma-separated, however long, and a
// truncated key rendered as far as it is whole.
func TestRateKeyText(t *testing.T) {
	long := strings.Repeat("x", 300)
	key := func(parts ...string) []byte {
		var b []byte
		for _, p := range parts {
			start := len(b)
			b = binary.AppendUvarint(b, 0)
			b = append(b, p...)
			b = fixLength(b, start)
		}
		return b
	}
	rr := &rateRule{agg: aggCustom}
	for _, tt := range []struct {
		key  []byte
		want string
	}{
		{key("a", "bob"), "a, bob"},
		{key(long, "b"), long + ", b"},
		{key("", "b"), ", b"},
		{key("a", "bob")[:4], "a"}, // "bob" cut short
		{[]byte{0x80}, ""},         // an unfinished length
	} {
		if got := rr.keyText(tt.key); got != tt.want {
			t.Errorf("keyText(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	// A component's length is a uvarint: one byte up to 127, two from 128.
	for _, n := range []int{127, 128, 300} {
		v := strings.Repeat("x", n)
		if got, want := key(v), append(binary.AppendUvarint(nil, uint64(n)), v...); !slices.Equal(got, want) {
			t.Errorf("fixLength: a %d-byte component encoded as %q..., want %q...", n, got[:3], want[:3])
		}
	}
	if got := (&rateRule{agg: aggIP}).keyText([]byte("192.0.2.1")); got != "192.0.2.1" {
		t.Errorf("IP key rendered %q", got)
	}
}
