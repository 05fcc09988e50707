package webacl

import (
	"context"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

const blockAll = `[{"Name":"BlockEverything","Priority":0,"Statement":{"SizeConstraintStatement":{"FieldToMatch":{"UriPath":{}},"ComparisonOperator":"GE","Size":0,"TextTransformations":[{"Priority":0,"Type":"NONE"}]}},"Action":{"Block":{}},"VisibilityConfig":{"SampledRequestsEnabled":false,"CloudWatchMetricsEnabled":false,"MetricName":"b"}}]`

func verdictFor(t *testing.T, e *waf.Engine, ip string) waf.Verdict {
	t.Helper()
	a := netip.MustParseAddr(ip)
	v := &request.View{Method: "POST", Path: "/", Header: http.Header{}, ClientIP: a, PeerIP: a, Country: "XX"}
	var vd waf.Verdict
	if err := e.Evaluate(context.Background(), time.Unix(0, 0), v, &vd); err != nil {
		t.Fatal(err)
	}
	return vd
}

// Presets come first and the file's rules after them, in their own order;
// a set in the config fills the preset's set of the same name.
func TestPresetsBeforeFileRules(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "acl.json"), []byte(blockAll), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "allow.txt"), []byte("# partners\n198.51.100.0/24\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := &config.WAF{
		Account: "000000000000", Name: "t", DefaultAction: "ALLOW", WebACL: "acl.json",
		Presets: []config.Preset{{Name: "cognito-proxy"}},
		IPSets:  []config.IPSet{{Name: "AllowListV4", File: "allow.txt"}},
	}
	e, err := Build(w, Input{BaseDir: dir, Store: ratelimit.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	if vd := verdictFor(t, e, "198.51.100.7"); vd.Action != waf.ActionAllow || vd.TerminatingRuleID != "AllowList" {
		t.Errorf("allow-listed client: %s by %s, want ALLOW by the preset's AllowList", vd.Action, vd.TerminatingRuleID)
	}
	if vd := verdictFor(t, e, "203.0.113.9"); vd.Action != waf.ActionBlock || vd.TerminatingRuleID != "BlockEverything" {
		t.Errorf("other client: %s by %s, want BLOCK by the file's rule", vd.Action, vd.TerminatingRuleID)
	}
}

func TestBuildReportsEveryProblem(t *testing.T) {
	w := &config.WAF{
		Account: "000000000000", Name: "t", WebACL: "missing.json",
		Presets: []config.Preset{{Name: "no-such-preset"}, {Name: "cognito-proxy", Params: map[string]any{"RateLimt": 5}}},
	}
	_, err := Build(w, Input{BaseDir: t.TempDir(), Store: ratelimit.NewMemory()})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"waf.presets[0]", "no-such-preset", "waf.presets[1]", "RateLimt", "waf.web_acl", "missing.json"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
