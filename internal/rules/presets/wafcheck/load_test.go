package wafcheck

import (
	"encoding/json"
	"testing"

	"github.com/poolguard/poolguard/internal/rules/presets"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// variants are the parameter sets each preset is checked with.
var variants = map[string][]map[string]any{
	"cognito-proxy":      {nil, {"RateLimit": 10, "EvaluationWindowSec": 60, "TestMode": true}},
	"cognito-categories": {nil, {"SignInRateLimit": 100, "EvaluationWindowSec": 60}, {"TestMode": true, "DefaultRateLimit": 2_000_000_000}},
	"cognito-allowlist":  {nil, {"PatternSet": "other-set", "TestMode": true}},
}

func generate(t *testing.T) map[string][]presets.Preset {
	out := map[string][]presets.Preset{}
	for _, name := range presets.Names() {
		vs, ok := variants[name]
		if !ok {
			t.Fatalf("no variants for preset %s", name)
		}
		for _, params := range vs {
			p, err := presets.Generate(name, params, presets.Options{})
			if err != nil {
				t.Fatalf("%s %v: %v", name, params, err)
			}
			out[name] = append(out[name], p)
		}
	}
	return out
}

// TestPresetsLoad checks every preset's rules load as an AWS rule list.
func TestPresetsLoad(t *testing.T) {
	for name, ps := range generate(t) {
		for _, p := range ps {
			data, err := json.Marshal(p.Rules)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := waf.Load(data)
			if err != nil {
				t.Errorf("%s: waf.Load: %v", name, err)
				continue
			}
			if n := len(doc.WebACL.Rules); n != len(p.Rules) {
				t.Errorf("%s: loaded %d rules, want %d", name, n, len(p.Rules))
			}
		}
	}
}
