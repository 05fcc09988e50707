package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trail is a CloudTrail log file of Cognito calls; the analyze package's
// golden files hold the reports on it.
const (
	trail      = "../../internal/ops/analyze/testdata/cloudtrail/111122223333_CloudTrail_eu-west-1_20250314T1505Z_c0gn1t0a.json"
	analyzeDir = "../../internal/ops/analyze/testdata/golden/"
)

// The analyze command lines of the docs give the reports the analyze
// package's golden files hold, flags before, between or after the files.
func TestAnalyzeCommandLines(t *testing.T) {
	for _, tt := range []struct {
		golden string
		args   []string
	}{
		{"top-callers.csv", []string{"analyze", "top-callers", "--operation", "InitiateAuth", "--csv", "-q", trail}},
		{"top-callers.csv", []string{"analyze", "top-callers", "-csv", trail, "-q"}},
		{"peak-rates.csv", []string{"analyze", "peak-rates", "--window", "1m", trail, "--csv", "-q"}},
		{"peak-rates.csv", []string{"analyze", "peak-rates", "--window=1m", "--csv", "-q", "--", trail}},
		{"errors.csv", []string{"analyze", "errors", "--csv", "-q", trail}},
		{"operations.csv", []string{"analyze", "operations", "-q", "--csv", trail}},
	} {
		code, out, errOut := runCmd(t, tt.args...)
		want, err := os.ReadFile(analyzeDir + tt.golden)
		if err != nil {
			t.Fatal(err)
		}
		if code != 0 || out != string(want) {
			t.Errorf("%q: exit %d, stderr %q\n--- got\n%s--- want\n%s", tt.args, code, errOut, out, want)
		}
	}
}

// Usage errors exit 2 with the reason on stderr and nothing on stdout.
func TestAnalyzeUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "usage: poolguard analyze"},
		{[]string{"nope", "x"}, `unknown command "nope"`},
		{[]string{"peak-rates"}, "no log files"},
		{[]string{"peak-rates", "--from", "yesterday", "f"}, "want RFC 3339"},
		{[]string{"recommend", "--window", "3m", "f"}, "AWS evaluation window"},
		{[]string{"peak-rates", "--json", "--csv", "f"}, "exclude each other"},
		{[]string{"peak-rates", "--window", "1500ms", "f"}, "whole number of seconds"},
		{[]string{"recommend", "--headroom", "0.5", "f"}, "want at least 1"},
		{[]string{"peak-rates", "--from", "2025-01-02T00:00:00Z", "--to", "2025-01-01T00:00:00Z", "f"}, "--to must be after --from"},
		{[]string{"operations", "--html", "x.html", "f"}, "writes no report"},
		{[]string{"bypass", "--html", "x.html", "f"}, "writes no report"},
		{[]string{"recommend", "--aws", "f"}, "use it with recommend --json"},
		{[]string{"operations", "--emit", "allowlist", "--format", "xml", "f"}, `--format "xml"`},
		{[]string{"operations", "--emit", "allowlist", "--csv", "f"}, "--csv: --emit allowlist"},
		{[]string{"operations", "--emit", "allowlist", "--json", "--format", "yaml", "f"}, "use one of them"},
		{[]string{"operations", "--format", "yaml", "f"}, "flags of operations --emit allowlist"},
		{[]string{"operations", "--out", "x.yaml", "f"}, "flags of operations --emit allowlist"},
		{[]string{"peak-rates", "--emit", "allowlist", "f"}, "flag of operations"},
		{[]string{"operations", "--emit", "allowlist", "--min-calls", "0", "f"}, "--min-calls 0"},
		{[]string{"bypass", "--tolerance", "0s", "f"}, "--tolerance 0s"},
		{[]string{"bypass", "--egress-ip", "10.0.0.300", "f"}, "is not an IP address"},
		{[]string{"peak-rates", "--top", "-1", "f"}, "--top -1"},
		{[]string{"recommend", "--percentile", "101", "f"}, "--percentile 101"},
	} {
		code, out, errOut := runCmd(t, append([]string{"analyze"}, tt.args...)...)
		if code != 2 || out != "" || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and %q", tt.args, code, out, errOut, tt.want)
		}
	}
	if code, _, _ := runCmd(t, "analyze", "peak-rates", "/nonexistent/log"); code != 1 {
		t.Errorf("missing file: exit %d, want 1", code)
	}
}

// --config reads the clients' refresh modes: with every client in
// raw_secret mode the proxy sends refreshes as InitiateAuth, so the
// allow list leaves GetTokensFromRefreshToken out.
func TestAnalyzeAllowlistConfig(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "poolguard.yaml")
	if err := os.WriteFile(cfg, []byte("upstream: {region: us-east-1}\nclients: [{client_id: clientA, user_pool_id: us-east-1_x, refresh: raw_secret}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	why := func(args ...string) map[string]string {
		t.Helper()
		code, out, errOut := runCmd(t, append([]string{"analyze", "operations", "--emit", "allowlist", "--json", "-q", trail}, args...)...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errOut)
		}
		var doc struct {
			Why map[string]string `json:"why"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return doc.Why
	}
	if w := why(); w["GetTokensFromRefreshToken"] == "" {
		t.Errorf("default refresh mode: GetTokensFromRefreshToken not allowed: %v", w)
	}
	if w := why("--config", cfg); w["GetTokensFromRefreshToken"] != "" || w["RevokeToken"] == "" {
		t.Errorf("raw_secret: %v", w)
	}
	if code, _, errOut := runCmd(t, "analyze", "operations", "--emit", "allowlist", "--config", "/nonexistent.yaml", trail); code != 2 || !strings.Contains(errOut, "nonexistent.yaml") {
		t.Errorf("missing config: exit %d, %s", code, errOut)
	}
}
