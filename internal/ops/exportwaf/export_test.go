package exportwaf

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/prefixset"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

var update = flag.Bool("update", false, "rewrite golden files")

const headerSecret = "s3cr3t-header-value-7d1f0c9a"

const testConfig = `listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream:
  region: eu-west-1
clients:
  - client_id: app
    user_pool_id: eu-west-1_Pool
    protected_attributes: ["custom:tenant", email]
    forbidden_operations: [DeleteUser]
  - client_id: admin
    user_pool_id: eu-west-1_Pool
    forbidden_operations: [DeleteUser, ChangePassword]
pool_acl:
  proxy_egress_ips: [203.0.113.10, "2001:db8::/64"]
  proxy_header:
    name: x-poolguard-auth
    value: env:POOLGUARD_TEST_HEADER
  rate_limits:
    DefaultRateLimit: 10
    EvaluationWindowSec: 60
`

func build(t *testing.T) *Export {
	t.Helper()
	t.Setenv("POOLGUARD_TEST_HEADER", headerSecret)
	cfg, err := config.Parse("poolguard.yaml", []byte(testConfig))
	if err != nil {
		t.Fatal(err)
	}
	e, err := Build(cfg, Options{Account: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// engine loads the exported WebACL JSON in the proxy's own engine.
func engine(t *testing.T, e *Export) *waf.Engine {
	t.Helper()
	data, err := e.WebACLJSON()
	if err != nil {
		t.Fatal(err)
	}
	opts := waf.Options{Store: ratelimit.NewMemory(), IPSets: map[string]*prefixset.Set{}}
	for _, s := range e.IPSets {
		set, err := prefixset.Parse(s.Name, s.Addresses)
		if err != nil {
			t.Fatal(err)
		}
		opts.IPSets[s.Name] = set
	}
	eng, err := waf.New(data, opts)
	if err != nil {
		t.Fatalf("waf.New: %v", err)
	}
	return eng
}

// call is a request to the user pool as its web ACL sees it.
type call struct {
	op     string // Cognito operation; "" for a Hosted UI path
	path   string
	ip     string
	header string // the proxy header's value; "" for none
}

func (c call) view() *request.View {
	h := http.Header{}
	if c.op != "" {
		h.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+c.op)
	}
	if c.header != "" {
		h.Set("X-Poolguard-Auth", c.header)
	}
	ip := netip.MustParseAddr(c.ip)
	return &request.View{Method: "POST", Path: cmpOr(c.path, "/"), Header: h, Operation: c.op, Target: h.Get("X-Amz-Target"),
		ClientIP: ip, PeerIP: ip, Country: "XX", Body: []byte(`{}`), BodyValidJSON: true}
}

const (
	internet = "198.51.100.7"
	proxyV4  = "203.0.113.10"
	proxyV6  = "2001:db8::42"
)

// TestExportedACLInEngine evaluates the exported web ACL in poolguard's
// engine: direct calls are blocked, the proxy's (by header or egress IP)
// are allowed, forbidden operations are blocked for both.
func TestExportedACLInEngine(t *testing.T) {
	eng := engine(t, build(t))
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		c    call
		want waf.Action
		rule string
	}{
		{"SignUp direct", call{op: "SignUp", ip: internet}, waf.ActionBlock, RuleProxyOnly},
		{"InitiateAuth direct", call{op: "InitiateAuth", ip: internet}, waf.ActionBlock, RuleProxyOnly},
		{"RevokeToken direct", call{op: "RevokeToken", ip: internet}, waf.ActionBlock, RuleProxyOnly},
		{"SignUp with the header", call{op: "SignUp", ip: internet, header: headerSecret}, waf.ActionAllow, RuleProxyAllow},
		{"SignUp with a wrong header", call{op: "SignUp", ip: internet, header: "guess"}, waf.ActionBlock, RuleProxyOnly},
		{"SignUp from the proxy IPv4", call{op: "SignUp", ip: proxyV4}, waf.ActionAllow, RuleProxyAllow},
		{"SignUp from the proxy IPv6", call{op: "SignUp", ip: proxyV6}, waf.ActionAllow, RuleProxyAllow},
		{"UpdateUserAttributes direct (tenant breakout)", call{op: "UpdateUserAttributes", ip: internet}, waf.ActionBlock, RuleProxyOnly},
		{"DeleteUserAttributes direct", call{op: "DeleteUserAttributes", ip: internet}, waf.ActionBlock, RuleProxyOnly},
		{"UpdateUserAttributes via proxy", call{op: "UpdateUserAttributes", ip: proxyV4, header: headerSecret}, waf.ActionAllow, RuleProxyAllow},
		{"DeleteUser direct", call{op: "DeleteUser", ip: internet}, waf.ActionBlock, RuleForbidden},
		{"DeleteUser via proxy", call{op: "DeleteUser", ip: proxyV4, header: headerSecret}, waf.ActionBlock, RuleForbidden},
		{"ChangePassword (one client forbids)", call{op: "ChangePassword", ip: internet}, waf.ActionAllow, waf.DefaultActionID},
		{"GetUser direct", call{op: "GetUser", ip: internet}, waf.ActionAllow, waf.DefaultActionID},
		{"Hosted UI login", call{path: "/login", ip: internet}, waf.ActionAllow, waf.DefaultActionID},
	}
	var v waf.Verdict
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A fresh minute per case keeps the rate rules out of it.
			if err := eng.Evaluate(context.Background(), now.Add(time.Duration(i)*time.Hour), tc.c.view(), &v); err != nil {
				t.Fatal(err)
			}
			if v.Action != tc.want || v.TerminatingRuleID != tc.rule {
				t.Errorf("%s by %s, want %s by %s", v.Action, v.TerminatingRuleID, tc.want, tc.rule)
			}
		})
	}
}

// TestExportedACLRateLimits shows the second line of the AWS WAF article: direct calls
// over the Default limit are blocked per IP; the proxy, one address for all
// its users, is not counted.
func TestExportedACLRateLimits(t *testing.T) {
	eng := engine(t, build(t))
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var v waf.Verdict
	for i := range 12 {
		if err := eng.Evaluate(context.Background(), now, call{op: "GetUser", ip: internet}.view(), &v); err != nil {
			t.Fatal(err)
		}
		if want := i >= 10; (v.Action == waf.ActionBlock) != want {
			t.Fatalf("direct GetUser #%d: %s by %s", i+1, v.Action, v.TerminatingRuleID)
		}
		if err := eng.Evaluate(context.Background(), now, call{op: "GetUser", ip: proxyV4, header: headerSecret}.view(), &v); err != nil {
			t.Fatal(err)
		}
		if v.Action != waf.ActionAllow {
			t.Fatalf("proxy GetUser #%d: %s by %s", i+1, v.Action, v.TerminatingRuleID)
		}
	}
	if v.TerminatingRuleID != RuleProxyAllow {
		t.Errorf("proxy allowed by %s", v.TerminatingRuleID)
	}
}

func TestGolden(t *testing.T) {
	e := build(t)
	acl, err := e.WebACLJSON()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "webacl.golden.json", acl)
	cfn, err := e.CloudFormation()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(cfn, []byte(headerSecret)) {
		t.Error("the CloudFormation template holds the header secret")
	}
	var tmpl struct {
		Resources map[string]struct{ Type string }
	}
	if err := json.Unmarshal(cfn, &tmpl); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"WebACL", "WebACLAssociation", "IPSetPoolguardProxyV4", "IPSetPoolguardProxyV6", "IPSetAllowListV4"} {
		if _, ok := tmpl.Resources[id]; !ok {
			t.Errorf("template has no %s", id)
		}
	}
	golden(t, "cloudformation.golden.json", cfn)
}

func TestBuildErrors(t *testing.T) {
	for _, tc := range []struct{ name, poolACL, want string }{
		{"no proxy identity", "pool_acl: {}\n", "proxy_egress_ips or proxy_header"},
		{"bad rate limit", "pool_acl:\n  proxy_egress_ips: [203.0.113.1]\n  rate_limits: {SignInRateLimit: 1}\n", "SignInRateLimit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse("c.yaml", []byte("listen: 127.0.0.1:0\nadmin_listen: 127.0.0.1:0\nupstream: {region: us-east-1}\n"+tc.poolACL))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Build(cfg, Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// Run writes each format as one valid JSON document; options that cannot
// work are refused before the config is read.
func TestRun(t *testing.T) {
	t.Setenv("POOLGUARD_TEST_HEADER", headerSecret)
	path := filepath.Join(t.TempDir(), "poolguard.yaml")
	if err := os.WriteFile(path, []byte(testConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, format := range Formats {
		var out bytes.Buffer
		if err := Run(context.Background(), Options{ConfigPath: path, Format: format}, &out); err != nil || !json.Valid(out.Bytes()) {
			t.Errorf("%s: %v", format, err)
		}
	}
	for _, tt := range []struct {
		o    Options
		want string
	}{
		{Options{Format: "waf"}, "--config FILE is required"},
		{Options{ConfigPath: path, Format: "xml"}, `--format "xml"`},
		{Options{ConfigPath: path, LogBucket: "my-logs"}, "aws-waf-logs-"},
	} {
		if err := Run(context.Background(), tt.o, io.Discard); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.o, err, tt.want)
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n%s", name, got)
	}
}
