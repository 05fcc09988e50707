package presets

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	want := []string{"cognito-advanced", "cognito-allowlist", "cognito-attack-protection", "cognito-categories", "cognito-credential-stuffing", "cognito-proxy", "cognito-sms-pumping"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for _, n := range want {
		if d, err := Doc(n); err != nil || d == "" {
			t.Errorf("Doc(%s) = %q, %v", n, d, err)
		}
	}
}

// anyRule decodes a rule generically, to check it as a user's tool would.
type anyRule struct {
	Name      string
	Priority  int
	Statement map[string]any
	Action    map[string]any
}

// TestRulesValid checks, for every preset at its defaults and at the edges
// of its parameters, that rule names and priorities are unique and in the
// declared range, and that every rate-based statement is within AWS's limits.
func TestRulesValid(t *testing.T) {
	for _, name := range Names() {
		params, _ := Params(name)
		variants := []map[string]any{nil}
		for _, p := range params {
			switch p.Kind {
			case Limit:
				variants = append(variants, map[string]any{p.Name: MinLimit}, map[string]any{p.Name: MaxLimit})
			case Window:
				for _, w := range Windows {
					variants = append(variants, map[string]any{p.Name: w})
				}
			case Bool:
				variants = append(variants, map[string]any{p.Name: true})
			}
		}
		for _, params := range variants {
			p, err := Generate(name, params, Options{Priority: 7})
			if err != nil {
				t.Fatalf("%s %v: %v", name, params, err)
			}
			names := map[string]bool{}
			prios := map[int]bool{}
			for i, raw := range p.Rules {
				var r anyRule
				if err := json.Unmarshal(raw, &r); err != nil {
					t.Fatalf("%s rule %d: %v", name, i, err)
				}
				if names[r.Name] || prios[r.Priority] {
					t.Errorf("%s: duplicate rule name %q or priority %d", name, r.Name, r.Priority)
				}
				names[r.Name], prios[r.Priority] = true, true
				if r.Priority != p.FirstPriority+i || r.Priority > p.LastPriority {
					t.Errorf("%s: rule %s priority %d outside [%d, %d] or out of order", name, r.Name, r.Priority, p.FirstPriority, p.LastPriority)
				}
				if len(r.Action) != 1 {
					t.Errorf("%s: rule %s has action %v", name, r.Name, r.Action)
				}
				checkRate(t, name+"/"+r.Name, r.Statement)
			}
			if p.FirstPriority != 7 || p.LastPriority != 7+len(p.Rules)-1 {
				t.Errorf("%s: priorities [%d, %d] for %d rules", name, p.FirstPriority, p.LastPriority, len(p.Rules))
			}
		}
	}
}

func checkRate(t *testing.T, where string, st map[string]any) {
	rb, ok := st["RateBasedStatement"].(map[string]any)
	if !ok {
		return
	}
	limit := rb["Limit"].(float64)
	window := int64(rb["EvaluationWindowSec"].(float64))
	if limit < MinLimit || limit > MaxLimit || !slices.Contains(Windows, window) {
		t.Errorf("%s: rate limit %v per %d s outside AWS's limits", where, limit, window)
	}
}

var arnRE = regexp.MustCompile(`^arn:aws:wafv2:[a-z0-9-]+:\d{12}:regional/(ipset|regexpatternset)/[\w-]+/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// TestReferencedSetsDeclared checks every ARN in the rules is a declared set.
func TestReferencedSetsDeclared(t *testing.T) {
	for _, name := range Names() {
		p, err := Generate(name, nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		declared := map[string]bool{}
		for _, s := range p.IPSets {
			declared[s.ARN] = true
		}
		for _, s := range p.RegexPatternSets {
			declared[s.ARN] = true
		}
		for arn := range declared {
			if !arnRE.MatchString(arn) {
				t.Errorf("%s: malformed ARN %s", name, arn)
			}
		}
		all := string(mustJSON(t, p.Rules))
		for _, m := range regexp.MustCompile(`"ARN":"([^"]+)"`).FindAllStringSubmatch(all, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: rule references undeclared set %s", name, m[1])
			}
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		preset string
		params map[string]any
		want   []string // substrings of the error
	}{
		{"cognito-nope", nil, []string{`unknown preset "cognito-nope"`, "cognito-advanced, cognito-allowlist, cognito-attack-protection, cognito-categories, cognito-credential-stuffing, cognito-proxy, cognito-sms-pumping"}},
		{"cognito-proxy", map[string]any{"Ratelimit": 100}, []string{"cognito-proxy", `unknown parameter "Ratelimit"`, "EvaluationWindowSec, RateLimit, TestMode"}},
		{"cognito-proxy", map[string]any{"RateLimit": 9}, []string{"cognito-proxy", "RateLimit", "between 10 and 2000000000"}},
		{"cognito-proxy", map[string]any{"RateLimit": 2_000_000_001}, []string{"RateLimit", "between"}},
		{"cognito-proxy", map[string]any{"RateLimit": 10.5}, []string{"RateLimit", "not an integer"}},
		{"cognito-proxy", map[string]any{"RateLimit": "100"}, []string{"RateLimit", "not an integer"}},
		{"cognito-categories", map[string]any{"EvaluationWindowSec": 30}, []string{"cognito-categories", "EvaluationWindowSec", "60, 120, 300, 600"}},
		{"cognito-categories", map[string]any{"TestMode": "maybe"}, []string{"TestMode", "true/false"}},
		{"cognito-categories", map[string]any{"SignInRateLimit": 5}, []string{"SignInRateLimit", "between"}},
		{"cognito-allowlist", map[string]any{"PatternSet": "has space"}, []string{"cognito-allowlist", "PatternSet"}},
		{"cognito-allowlist", map[string]any{"RateLimit": 100}, []string{`unknown parameter "RateLimit"`, "PatternSet, TestMode"}},
	}
	for _, tt := range tests {
		_, err := Generate(tt.preset, tt.params, Options{})
		if err == nil {
			t.Errorf("Generate(%s, %v): no error", tt.preset, tt.params)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Generate(%s, %v) = %q, want it to contain %q", tt.preset, tt.params, err, w)
			}
		}
	}
}

func TestParamConversions(t *testing.T) {
	for _, v := range []any{100, int64(100), uint32(100), 100.0, json.Number("100")} {
		p, err := Generate("cognito-proxy", map[string]any{"RateLimit": v}, Options{})
		if err != nil {
			t.Fatalf("RateLimit %T: %v", v, err)
		}
		if !strings.Contains(string(p.Rules[2]), `"Limit":100,`) {
			t.Fatalf("RateLimit %T: %s", v, p.Rules[2])
		}
	}
}

func TestCategoryDefaults(t *testing.T) {
	want := map[string]any{
		"UserCreationRateLimit": int64(2000), "SignInRateLimit": int64(4000), "AccountRecoveryRateLimit": int64(1000),
		"IPReputationRateLimit": int64(1000), "DefaultRateLimit": int64(6000), "EvaluationWindowSec": int64(300), "TestMode": false,
	}
	params, err := Params("cognito-categories")
	if err != nil {
		t.Fatal(err)
	}
	if len(params) != len(want) {
		t.Fatalf("%d parameters, want %d", len(params), len(want))
	}
	for _, p := range params {
		if want[p.Name] != p.Default {
			t.Errorf("%s default %v, want %v", p.Name, p.Default, want[p.Name])
		}
	}
}

func TestResourceIDStable(t *testing.T) {
	a, b := resourceID("ipset", "AllowListV4"), resourceID("ipset", "AllowListV4")
	if a != b || a == resourceID("ipset", "AllowListV6") || a == resourceID("regexpatternset", "AllowListV4") {
		t.Fatalf("ids not stable and distinct: %s", a)
	}
}

// TestAllowlistIsPublishedRules checks cognito-allowlist generates exactly
// the two rules of the Haufe-Lexware article "A call for debate on how to
// secure AWS Cognito" (testdata/published-allowlist-rules.json, as
// published), given the article's pattern set name, region, account and
// priorities; only the set's id in the ARN differs. The web ACL
// conformance case published_allowlist evaluates the same rules
// (TestPublishedAllowlistCase).
func TestAllowlistIsPublishedRules(t *testing.T) {
	published, err := os.ReadFile("testdata/published-allowlist-rules.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Generate("cognito-allowlist", map[string]any{"PatternSet": "cognito-block-all-public-api-calls"},
		Options{Region: "eu-central-1", Account: "143338761663"})
	if err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`regexpatternset/([\w-]+)/[0-9a-f-]+`)
	norm := func(b []byte) string {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(v) // sorted keys: a canonical form
		return id.ReplaceAllString(string(out), "regexpatternset/$1/ID")
	}
	if got, want := norm(mustJSON(t, p.Rules)), norm(published); got != want {
		t.Fatalf("generated rules differ from the published ones:\n got %s\nwant %s", got, want)
	}
}
