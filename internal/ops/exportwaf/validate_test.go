package exportwaf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/rules/presets"
)

// The validators AWS's own tools use. Missing, they skip the tests locally
// and fail them under CI (scripts/test.sh sets these variables).
const (
	RequireCfnLintEnv  = "POOLGUARD_REQUIRE_CFNLINT"
	RequireBotocoreEnv = "POOLGUARD_REQUIRE_BOTOCORE"
)

func requireTool(t *testing.T, env, what string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv(env) == "1" {
		t.Fatalf("%s is missing and %s=1 (scripts/setup.sh installs it)", what, env)
	}
	t.Skipf("%s is missing (scripts/setup.sh installs it; set %s=1 to fail instead)", what, env)
}

// presetVariants are every preset at its defaults, and with the parameters
// that add its optional rules.
func presetVariants(t *testing.T) []presets.Preset {
	t.Helper()
	extra := map[string]map[string]any{
		"cognito-sms-pumping": {"AllowedCallingCodes": []any{"+1", "+44"}},
		"cognito-advanced":    {"AppClientId": "1example23456789", "AppClientCountries": []any{"US", "GB"}},
		"cognito-categories":  {"TestMode": true, "SignInRateLimit": 100},
	}
	var out []presets.Preset
	for _, name := range presets.Names() {
		for _, params := range []map[string]any{nil, extra[name]} {
			if params == nil && len(out) > 0 && out[len(out)-1].Name == name {
				continue
			}
			p, err := presets.Generate(name, params, presets.Options{})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p)
		}
	}
	return out
}

// exportVariants are the pool web ACL exported from the test config, and
// in test mode with logging and config-filled IP sets.
func exportVariants(t *testing.T) []*Export {
	t.Helper()
	t.Setenv("POOLGUARD_TEST_HEADER", headerSecret)
	second := testConfig + "waf:\n  ip_sets: [{name: DenyListV4, addresses: [198.51.100.66, 192.0.2.0/24]}, {name: AllowListV6, addresses: [\"2001:db8:5::/48\"]}]\n"
	second = strings.Replace(second, "    EvaluationWindowSec: 60\n", "    EvaluationWindowSec: 60\n    TestMode: true\n", 1)
	var out []*Export
	for _, text := range []string{testConfig, second} {
		cfg, err := config.Parse("poolguard.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		e, err := Build(cfg, Options{Account: "123456789012"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	out[1].LogBucket = "aws-waf-logs-poolguard-test"
	return out
}

// Every CloudFormation template poolguard writes (export waf, and rules
// export --format cloudformation for every preset) passes cfn-lint, which
// checks resources against AWS's CloudFormation schemas.
func TestTemplatesPassCfnLint(t *testing.T) {
	_, err := exec.LookPath("cfn-lint")
	requireTool(t, RequireCfnLintEnv, "cfn-lint", err == nil)
	dir := t.TempDir()
	var files []string
	write := func(name string, data []byte) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	for i, e := range exportVariants(t) {
		cfn, err := e.CloudFormation()
		if err != nil {
			t.Fatal(err)
		}
		write(fmt.Sprintf("export-waf-%d.json", i), cfn)
	}
	for i, p := range presetVariants(t) {
		cfn, err := RuleGroupTemplate(p)
		if err != nil {
			t.Fatal(err)
		}
		write(fmt.Sprintf("rules-export-%s-%d.json", p.Name, i), cfn)
	}
	if out, err := exec.Command("cfn-lint", files...).CombinedOutput(); err != nil {
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
	// The check can fail: the description the export used to write is
	// refused.
	bad := bytes.Replace(must(exportVariants(t)[0].CloudFormation()), []byte(Description), []byte("poolguard: only the proxy; internal-word rate limits"), 1)
	write("bad.json", bad)
	if out, err := exec.Command("cfn-lint", files[len(files)-1]).CombinedOutput(); err == nil || !bytes.Contains(out, []byte("E3031")) {
		t.Fatalf("cfn-lint accepted a description outside AWS's pattern: %v\n%s", err, out)
	}
}

// awsCall is one AWS API call for the botocore helper.
type awsCall struct {
	Operation string `json:"operation"`
	Label     string `json:"label"`
	Params    any    `json:"params"`
}

// Every WAFv2 API call a user makes with poolguard's JSON (CreateWebACL
// with export waf's output, CreateRuleGroup, CreateIPSet and
// CreateRegexPatternSet with rules export's) passes botocore's parameter
// validation and the service model's patterns and maximums.
func TestAPICallsPassBotocore(t *testing.T) {
	requireTool(t, RequireBotocoreEnv, "python3 with botocore", exec.Command("python3", "-c", "import botocore").Run() == nil)
	var calls []awsCall
	for i, e := range exportVariants(t) {
		var acl obj
		if err := json.Unmarshal(must(e.WebACLJSON()), &acl); err != nil {
			t.Fatal(err)
		}
		acl["Scope"] = "REGIONAL"
		calls = append(calls, awsCall{"CreateWebACL", fmt.Sprintf("export waf %d", i), acl})
		for _, s := range e.IPSets {
			calls = append(calls, ipSetCall(s, "export waf"))
		}
	}
	for _, p := range presetVariants(t) {
		calls = append(calls, ruleGroupCall(t, p))
		for _, s := range p.IPSets {
			calls = append(calls, ipSetCall(s, p.Name))
		}
		for _, s := range p.RegexPatternSets {
			calls = append(calls, awsCall{"CreateRegexPatternSet", p.Name, obj{"Name": s.Name, "Scope": "REGIONAL",
				"Description": s.Description, "RegularExpressionList": s.RegularExpressionList}})
		}
	}
	if out, err := botocoreCheck(t, calls); err != nil {
		t.Fatalf("botocore: %v\n%s", err, out)
	}
	bad := []awsCall{{"CreateIPSet", "old description", obj{"Name": "x", "Scope": "REGIONAL", "IPAddressVersion": "IPV4",
		"Addresses": []string{}, "Description": "poolguard: proxy; rate limits"}}}
	if out, err := botocoreCheck(t, bad); err == nil {
		t.Fatalf("the helper accepted a description outside the model's pattern:\n%s", out)
	}
}

func ipSetCall(s presets.IPSet, label string) awsCall {
	return awsCall{"CreateIPSet", label + " " + s.Name, obj{"Name": s.Name, "Scope": "REGIONAL", "Description": s.Description,
		"IPAddressVersion": s.IPAddressVersion, "Addresses": s.Addresses}}
}

func ruleGroupCall(t *testing.T, p presets.Preset) awsCall {
	rules, err := genericRules(p)
	if err != nil {
		t.Fatal(err)
	}
	params := obj{"Name": p.Name, "Scope": "REGIONAL", "Capacity": Capacity(p), "Description": RuleGroupDescription(p.Name),
		"Rules": rules, "VisibilityConfig": obj{"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": p.Name}}
	if len(p.CustomResponseBodies) > 0 {
		params["CustomResponseBodies"] = p.CustomResponseBodies
	}
	return awsCall{"CreateRuleGroup", p.Name, params}
}

func botocoreCheck(t *testing.T, calls []awsCall) ([]byte, error) {
	t.Helper()
	in, err := json.Marshal(calls)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", filepath.Join("testdata", "wafv2_validate.py"))
	cmd.Stdin = bytes.NewReader(in)
	return cmd.CombinedOutput()
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
