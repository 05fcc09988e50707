package wafcheck

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/prefixset"
	"github.com/poolguard/poolguard/internal/rules/presets"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// compile compiles p's rules with its sets at their default contents.
func compile(t *testing.T, p presets.Preset, store ratelimit.Store) *waf.Engine {
	t.Helper()
	opts := waf.Options{
		IPSets:           map[string]*prefixset.Set{},
		RegexPatternSets: map[string][]string{},
		Store:            store,
	}
	for _, s := range p.IPSets {
		set, err := prefixset.Parse(s.Name, s.Addresses)
		if err != nil {
			t.Fatal(err)
		}
		opts.IPSets[s.Name] = set
	}
	for _, s := range p.RegexPatternSets {
		for _, r := range s.RegularExpressionList {
			opts.RegexPatternSets[s.Name] = append(opts.RegexPatternSets[s.Name], r.RegexString)
		}
	}
	var doc any = p.Rules
	if len(p.CustomResponseBodies) > 0 { // a web ACL property: compile as one
		doc = map[string]any{"Name": "presets", "DefaultAction": map[string]any{"Allow": map[string]any{}}, "Rules": p.Rules, "CustomResponseBodies": p.CustomResponseBodies}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	e, err := waf.New(data, opts)
	if err != nil {
		t.Fatalf("%s: %v", p.Name, err)
	}
	return e
}

// TestPresetsCompile checks every preset variant compiles.
func TestPresetsCompile(t *testing.T) {
	for _, ps := range generate(t) {
		for _, p := range ps {
			if e := compile(t, p, ratelimit.NewMemory()); e.Len() != len(p.Rules) {
				t.Errorf("%s: engine has %d rules, want %d", p.Name, e.Len(), len(p.Rules))
			}
		}
	}
}

func cognitoCall(ip, op string) *request.View {
	v := &request.View{
		Method: "POST", Path: "/", Header: http.Header{}, ClientIP: netip.MustParseAddr(ip), Country: "XX",
	}
	if op != "" {
		v.Target = presets.TargetPrefix + op
		v.Operation = op
		v.Header.Set("X-Amz-Target", v.Target)
	}
	return v
}

// TestCategoriesSignIn is the acceptance scenario: with SignIn
// limited to 100 per 60 s, the 101st InitiateAuth from one IP within a
// minute is blocked while another IP passes; in test mode all pass and the
// rule counts.
func TestCategoriesSignIn(t *testing.T) {
	for _, testMode := range []bool{false, true} {
		p, err := presets.Generate("cognito-categories", map[string]any{
			"SignInRateLimit": 100, "EvaluationWindowSec": 60, "TestMode": testMode,
		}, presets.Options{})
		if err != nil {
			t.Fatal(err)
		}
		e := compile(t, p, ratelimit.NewMemory())
		var out waf.Verdict
		ctx := context.Background()
		for i := 1; i <= 101; i++ {
			now := t0.Add(time.Duration(i) * 500 * time.Millisecond)
			if err := e.Evaluate(ctx, now, cognitoCall("198.51.100.7", "InitiateAuth"), &out); err != nil {
				t.Fatal(err)
			}
			blocked := out.Action == waf.ActionBlock
			if want := i == 101 && !testMode; blocked != want {
				t.Fatalf("test mode %v, request %d: %+v", testMode, i, out)
			}
			if i == 101 {
				if !testMode && out.TerminatingRuleID != "RateLimitSignIn" {
					t.Fatalf("blocked by %q", out.TerminatingRuleID)
				}
				counted := slices.ContainsFunc(out.NonTerminating, func(m waf.RuleMatch) bool { return m.RuleID == "RateLimitSignIn" })
				if testMode && !counted {
					t.Fatalf("test mode: RateLimitSignIn did not count: %+v", out)
				}
				if !slices.ContainsFunc(out.Labels, func(l string) bool { return strings.HasSuffix(l, ":"+presets.CategoryLabel("SignIn")) }) {
					t.Fatalf("labels %v lack the SignIn category label", out.Labels)
				}
			}
		}
		if err := e.Evaluate(ctx, t0.Add(51*time.Second), cognitoCall("203.0.113.9", "InitiateAuth"), &out); err != nil {
			t.Fatal(err)
		}
		if out.Action != waf.ActionAllow {
			t.Fatalf("another IP: %+v", out)
		}
	}
}

// TestAllowlist checks the Haufe-Lexware article's behaviour: calls outside the pattern set
// are blocked, calls in it and requests without X-Amz-Target pass, and
// every Cognito call is counted.
func TestAllowlist(t *testing.T) {
	p, err := presets.Generate("cognito-allowlist", nil, presets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := compile(t, p, ratelimit.NewMemory())
	tests := []struct {
		op      string
		action  waf.Action
		counted bool
	}{
		{"InitiateAuth", waf.ActionAllow, true},
		{"GetUser", waf.ActionAllow, true},
		{"UpdateUserAttributes", waf.ActionBlock, true},
		{"", waf.ActionAllow, false},
	}
	for _, tt := range tests {
		var out waf.Verdict
		if err := e.Evaluate(context.Background(), t0, cognitoCall("192.0.2.1", tt.op), &out); err != nil {
			t.Fatal(err)
		}
		counted := slices.ContainsFunc(out.NonTerminating, func(m waf.RuleMatch) bool { return m.RuleID == "Cognito-counting-calls-to-public-api" })
		if out.Action != tt.action || counted != tt.counted {
			t.Errorf("%q: action %s counted %v, want %s %v", tt.op, out.Action, counted, tt.action, tt.counted)
		}
	}
}
