package presets

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenCase is one golden file: a preset generated with params and opts.
type goldenCase struct {
	file   string
	preset string
	params map[string]any
	opts   Options
}

// goldenCases are the golden files: each preset with defaults and with a
// parameterised variant.
var goldenCases = []goldenCase{
	{"cognito-proxy", "cognito-proxy", nil, Options{}},
	{"cognito-proxy-test-mode", "cognito-proxy", map[string]any{"RateLimit": 500, "EvaluationWindowSec": 60, "TestMode": "Yes"},
		Options{Region: "eu-central-1", Account: "111122223333", Priority: 10}},
	{"cognito-categories", "cognito-categories", nil, Options{}},
	{"cognito-categories-signin100", "cognito-categories", map[string]any{"SignInRateLimit": 100, "EvaluationWindowSec": 60, "TestMode": true},
		Options{Priority: 100}},
	{"cognito-allowlist", "cognito-allowlist", nil, Options{}},
	{"cognito-allowlist-custom-set", "cognito-allowlist", map[string]any{"PatternSet": "cognito-block-all-public-api-calls"},
		Options{Region: "eu-central-1", Account: "143338761663", Priority: 1000}},
}

func TestGolden(t *testing.T) { checkGolden(t, goldenCases) }

// checkGolden compares each generated preset with its golden file
// (rewritten with -update).
func checkGolden(t *testing.T, cases []goldenCase) {
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			p, err := Generate(tc.preset, tc.params, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.JSON()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", tc.file+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the generated preset (run go test -update and review the diff):\n%s", path, got)
			}
		})
	}
}
