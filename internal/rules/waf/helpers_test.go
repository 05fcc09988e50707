package waf

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/prefixset"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// fakeStore is an exact sliding-window rate store: it keeps every
// timestamp per (rule, key).
type fakeStore struct {
	seen  map[string][]time.Time
	calls int
}

func newFakeStore() *fakeStore { return &fakeStore{seen: map[string][]time.Time{}} }

func (s *fakeStore) Decide(_ context.Context, now time.Time, hits []ratelimit.Hit, results []ratelimit.Result) error {
	s.calls++
	for i, h := range hits {
		k := h.Rule + "\x00" + string(h.Key)
		ts := s.seen[k]
		j := 0
		for j < len(ts) && !ts[j].After(now.Add(-h.Window)) {
			j++
		}
		ts = append(ts[j:], now)
		s.seen[k] = ts
		n := int64(len(ts))
		results[i] = ratelimit.Result{Counted: true, Count: n, Over: n > h.Limit}
		if h.Terminating && n > h.Limit {
			for k := i + 1; k < len(hits); k++ {
				results[k] = ratelimit.Result{}
			}
			return nil
		}
	}
	return nil
}

// testRequest is one request of a conformance case, as requests.json
// writes it.
type testRequest struct {
	Name     string            `json:"name"`
	At       float64           `json:"at,omitempty"`     // seconds after the case's start
	Repeat   int               `json:"repeat,omitempty"` // send this many times; expectations are for the last
	Method   string            `json:"method"`
	URI      string            `json:"uri"`
	Headers  map[string]string `json:"headers,omitempty"`
	Body     string            `json:"body,omitempty"`
	ClientIP string            `json:"clientIp,omitempty"`
	PeerIP   string            `json:"peerIp,omitempty"` // the TCP peer; ClientIP when empty
	Country  string            `json:"country,omitempty"`
	Expect   expectation       `json:"expect"`
}

type expectation struct {
	Action            Action   `json:"action"`
	TerminatingRuleID string   `json:"terminatingRuleId"`
	Labels            []string `json:"labels"`
	NonTerminating    []string `json:"nonTerminating"`
}

var testStart = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// view builds the request view the proxy would build.
func (r *testRequest) view() *request.View {
	v := &request.View{Method: r.Method, Header: http.Header{}, Body: []byte(r.Body), Country: r.Country}
	if v.Method == "" {
		v.Method = "POST"
	}
	v.Path, v.RawQuery, _ = strings.Cut(r.URI, "?")
	if v.Path == "" {
		v.Path = "/"
	}
	for k, val := range r.Headers {
		v.Header.Add(k, val)
	}
	if r.ClientIP != "" {
		v.ClientIP = netip.MustParseAddr(r.ClientIP)
	} else {
		v.ClientIP = netip.MustParseAddr("192.0.2.10")
	}
	v.PeerIP = v.ClientIP
	if r.PeerIP != "" {
		v.PeerIP = netip.MustParseAddr(r.PeerIP)
	}
	if v.Country == "" {
		v.Country = "XX"
	}
	v.Target = v.Header.Get("X-Amz-Target")
	if op, ok := strings.CutPrefix(v.Target, "AWSCognitoIdentityProviderService."); ok {
		v.Operation = op
	}
	v.BodyValidJSON = json.Valid(v.Body)
	if v.BodyValidJSON {
		v.ClientID = v.JSON("ClientId").String()
	}
	return v
}

// testSets is sets.json: the IP sets, regex pattern sets and rule groups
// a case's rules refer to, and its options.
type testSets struct {
	IPSets           map[string][]string        `json:"IPSets"`
	RegexPatternSets map[string][]string        `json:"RegexPatternSets"`
	RuleGroups       map[string]json.RawMessage `json:"RuleGroups"`
	TestMode         bool                       `json:"TestMode"`
	Account          string                     `json:"Account"`
	WebACLName       string                     `json:"WebACLName"`
}

func (s *testSets) options(t testing.TB, store ratelimit.Store) Options {
	o := Options{
		Store:            store,
		RegexPatternSets: s.RegexPatternSets,
		IPSets:           map[string]*prefixset.Set{},
		RuleGroups:       map[string]*RuleGroup{},
		TestMode:         s.TestMode,
		Account:          s.Account,
		WebACLName:       s.WebACLName,
		Country: func(a netip.Addr) string {
			if a.Is4() && a.As4()[0] == 81 {
				return "DE"
			}
			return ""
		},
	}
	for name, addrs := range s.IPSets {
		set, err := prefixset.Parse(name, addrs)
		if err != nil {
			t.Fatal(err)
		}
		o.IPSets[name] = set
	}
	for name, raw := range s.RuleGroups {
		doc, err := Load(raw)
		if err != nil {
			t.Fatalf("rule group %s: %v", name, err)
		}
		o.RuleGroups[name] = doc.RuleGroup
	}
	return o
}

// render writes a verdict as the golden files show it.
func render(v *Verdict) string {
	var b strings.Builder
	fmt.Fprintf(&b, "action=%s terminating=%s", v.Action, v.TerminatingRuleID)
	if v.TerminatingRuleType != "" {
		fmt.Fprintf(&b, " type=%s", v.TerminatingRuleType)
	}
	if v.TerminatingGroupRuleID != "" {
		fmt.Fprintf(&b, " groupRule=%s", v.TerminatingGroupRuleID)
	}
	b.WriteByte('\n')
	for _, l := range v.Labels {
		fmt.Fprintf(&b, "  label %s\n", l)
	}
	for _, m := range v.NonTerminating {
		fmt.Fprintf(&b, "  count %s %s", m.RuleID, m.Type)
		if m.GroupRuleID != "" {
			fmt.Fprintf(&b, " groupRule=%s", m.GroupRuleID)
		}
		b.WriteByte('\n')
	}
	for _, r := range v.RateBased {
		fmt.Fprintf(&b, "  rate %s key=%s value=%q max=%d window=%d count=%d\n", r.RuleName, r.LimitKey, r.LimitValue, r.MaxRateAllowed, r.EvaluationWindowSec, r.Count)
	}
	for _, h := range v.InsertHeaders {
		fmt.Fprintf(&b, "  insert-header %s: %s\n", h.Name, h.Value)
	}
	if r := v.CustomResponse; r != nil {
		fmt.Fprintf(&b, "  response %d %s %q\n", r.StatusCode, r.ContentType, r.Body)
		for _, h := range r.Headers {
			fmt.Fprintf(&b, "  response-header %s: %s\n", h.Name, h.Value)
		}
	}
	return b.String()
}

// stmtCase is one row of a statement's table test.
type stmtCase struct {
	name string
	req  testRequest
	want bool
}

// runStmtCases compiles stmt as the statement of a Block rule named "r"
// (after the rules in before) and checks whether each request matches it.
func runStmtCases(t *testing.T, stmt string, before []string, opts Options, cases []stmtCase) {
	t.Helper()
	rules := append(append([]string{}, before...), ruleJSON("r", 100, stmt, block))
	e, err := New([]byte(rulesDoc(rules...)), opts)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	for _, c := range cases {
		var out Verdict
		if err := e.Evaluate(context.Background(), testStart, c.req.view(), &out); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := out.TerminatingRuleID == "r"; got != c.want {
			t.Errorf("%s: matched = %v, want %v (verdict %s by %s)", c.name, got, c.want, out.Action, out.TerminatingRuleID)
		}
	}
}

func hdrs(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}
