package analyze

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/ops/waflog"
	"github.com/poolguard/poolguard/internal/rules/presets"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/rules/waf"
	"github.com/poolguard/poolguard/internal/rules/webacl"
)

// call is one kind of request in a generated log: n requests, one a
// second from at.
type call struct {
	op, client, flow, uri string
	n                     int
	at                    time.Duration
	blocked, forwarded    bool
	ip                    string
}

// writeCalls writes calls as poolguard WAF log records, in time order, to
// a new file and returns its path.
func writeCalls(t *testing.T, calls []call) string {
	t.Helper()
	enc, err := waflog.NewEncoder(waflog.EncoderOptions{Region: "eu-west-1", Account: "111122223333"})
	if err != nil {
		t.Fatal(err)
	}
	type rec struct {
		at   time.Time
		line []byte
	}
	var recs []rec
	for _, c := range calls {
		for i := range c.n {
			at := start.Add(c.at + time.Duration(i)*time.Second)
			v := &request.View{Method: "POST", Path: cmpStr(c.uri, "/"), Header: http.Header{}, Proto: "HTTP/1.1",
				ClientIP: netip.MustParseAddr(cmpStr(c.ip, "10.0.0.1")), Operation: c.op, ClientID: c.client, AuthFlow: c.flow}
			if c.op != "" {
				v.Target = cognito.TargetPrefix + c.op
				v.Header.Set("X-Amz-Target", v.Target)
			}
			vd := &waf.Verdict{Action: waf.ActionAllow, TerminatingRuleID: waf.DefaultActionID}
			o := &observe.Outcome{Start: at, View: v, Verdict: vd, WebACLName: "poolguard", Status: 200}
			if c.blocked {
				vd.Action, vd.TerminatingRuleID, o.Status, o.ErrorType = waf.ActionBlock, "BLOCK-all-public-apis", 403, "ForbiddenException"
			} else if c.forwarded {
				o.Forwarded, o.UpstreamOperation, o.UpstreamStatus = true, c.op, 200
			}
			recs = append(recs, rec{at, enc.Append(nil, o)})
		}
	}
	slices.SortStableFunc(recs, func(a, b rec) int { return a.at.Compare(b.at) })
	var buf bytes.Buffer
	for _, r := range recs {
		buf.Write(r.line)
	}
	buf.WriteString("not a record\n")
	path := filepath.Join(t.TempDir(), "waf.log")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func cmpStr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// learnedCalls is a week of an app's traffic, compressed: sign-ins by two
// clients with three flows, a blocked SignUp, an IAM call that should not
// be there, Hosted UI requests and a record after --to.
var learnedCalls = []call{
	{op: "InitiateAuth", client: "clientA", flow: "USER_SRP_AUTH", n: 5, at: 0},
	{op: "InitiateAuth", client: "clientA", flow: "REFRESH_TOKEN_AUTH", n: 3, at: time.Minute},
	{op: "InitiateAuth", client: "clientB", flow: "USER_PASSWORD_AUTH", n: 2, at: 2 * time.Minute},
	{op: "RespondToAuthChallenge", client: "clientA", n: 4, at: 3 * time.Minute},
	{op: "GetUser", n: 7, at: 4 * time.Minute},
	{op: "SignUp", client: "clientB", n: 1, at: 5 * time.Minute},
	{op: "SignUp", client: "clientB", n: 1, at: 6 * time.Minute, blocked: true},
	{op: "AdminGetUser", n: 1, at: 7 * time.Minute},
	{uri: "/login", n: 3, at: 8 * time.Minute},
	{op: "DeleteUser", n: 2, at: 2 * time.Hour}, // after --to
}

func TestOperations(t *testing.T) {
	path := writeCalls(t, learnedCalls)
	var out struct {
		Operations []map[string]any `json:"operations"`
		AuthFlows  []map[string]any `json:"auth_flows"`
	}
	o := options("operations", path)
	o.Filter.To = start.Add(time.Hour)
	runJSON(t, &out, o)
	type opRow struct {
		Op, Class    string
		Calls, Block float64
		First, Last  string
		Flag         bool
	}
	at := func(d time.Duration) string { return start.Add(d).Format(time.RFC3339) }
	want := []opRow{
		{"InitiateAuth", "public", 10, 0, at(0), at(2*time.Minute + time.Second), false},
		{"GetUser", "token", 7, 0, at(4 * time.Minute), at(4*time.Minute + 6*time.Second), false},
		{"RespondToAuthChallenge", "public", 4, 0, at(3 * time.Minute), at(3*time.Minute + 3*time.Second), false},
		{"SignUp", "public", 2, 1, at(5 * time.Minute), at(6 * time.Minute), false},
		{"AdminGetUser", "iam", 1, 0, at(7 * time.Minute), at(7 * time.Minute), true},
	}
	var got []opRow
	for _, r := range out.Operations {
		got = append(got, opRow{r["operation"].(string), r["class"].(string), r["calls"].(float64), r["blocked"].(float64),
			r["first_seen"].(string), r["last_seen"].(string), r["flag"] != ""})
	}
	if !slices.Equal(got, want) {
		t.Errorf("operations:\n got %v\nwant %v", got, want)
	}
	type flowRow struct {
		Client, Flow string
		Calls        float64
	}
	wantFlows := []flowRow{{"clientA", "USER_SRP_AUTH", 5}, {"clientA", "REFRESH_TOKEN_AUTH", 3}, {"clientB", "USER_PASSWORD_AUTH", 2}}
	var gotFlows []flowRow
	for _, r := range out.AuthFlows {
		gotFlows = append(gotFlows, flowRow{r["client_id"].(string), r["auth_flow"].(string), r["calls"].(float64)})
	}
	if !slices.Equal(gotFlows, wantFlows) {
		t.Errorf("auth flows:\n got %v\nwant %v", gotFlows, wantFlows)
	}
}

// TestAllowlistRoundTrip is the acceptance test: the allow list
// emitted from counted traffic, loaded back into the proxy's web ACL (from
// the YAML config and from the AWS JSON), lets exactly the operations seen
// through and blocks every other one, the IAM call seen included.
func TestAllowlistRoundTrip(t *testing.T) {
	path := writeCalls(t, learnedCalls)
	var out struct {
		PatternSet string            `json:"pattern_set"`
		Patterns   []string          `json:"patterns"`
		Config     string            `json:"config"`
		AWS        presets.Preset    `json:"aws"`
		LeftOut    []map[string]any  `json:"left_out"`
		Why        map[string]string `json:"why"`
	}
	o := options("operations", path)
	o.Emit, o.Filter.To = "allowlist", start.Add(time.Hour)
	runJSON(t, &out, o)
	// What the proxy itself sends is on the list too: refreshes as
	// GetTokensFromRefreshToken (the default refresh mode), and sign-out.
	wantPatterns := []string{
		`^AWSCognitoIdentityProviderService\.GetTokensFromRefreshToken$`,
		`^AWSCognitoIdentityProviderService\.GetUser$`,
		`^AWSCognitoIdentityProviderService\.InitiateAuth$`,
		`^AWSCognitoIdentityProviderService\.RespondToAuthChallenge$`,
		`^AWSCognitoIdentityProviderService\.RevokeToken$`,
		`^AWSCognitoIdentityProviderService\.SignUp$`,
	}
	if !slices.Equal(out.Patterns, wantPatterns) {
		t.Fatalf("patterns %q, want %q", out.Patterns, wantPatterns)
	}
	if len(out.LeftOut) != 1 || out.LeftOut[0]["operation"] != "AdminGetUser" {
		t.Errorf("left out %v, want AdminGetUser", out.LeftOut)
	}
	allowed := []string{"GetTokensFromRefreshToken", "GetUser", "InitiateAuth", "RespondToAuthChallenge", "RevokeToken", "SignUp"}
	for _, op := range allowed {
		if out.Why[op] == "" {
			t.Errorf("no reason given for %s: %v", op, out.Why)
		}
	}
	if !strings.Contains(out.Why["GetTokensFromRefreshToken"], "refresh: get_tokens") {
		t.Errorf("GetTokensFromRefreshToken: %q", out.Why["GetTokensFromRefreshToken"])
	}

	// The YAML snippet, through the proxy's own web ACL builder.
	var doc struct {
		WAF config.WAF `yaml:"waf"`
	}
	if err := yaml.Unmarshal([]byte(out.Config), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out.Config)
	}
	fromConfig, err := webacl.Build(&doc.WAF, webacl.Input{Store: ratelimit.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	// The AWS JSON, through waf.New with the pattern set.
	sets := map[string][]string{}
	for _, s := range out.AWS.RegexPatternSets {
		for _, r := range s.RegularExpressionList {
			sets[s.Name] = append(sets[s.Name], r.RegexString)
		}
	}
	rules, _ := json.Marshal(out.AWS.Rules)
	fromAWS, err := waf.New(rules, waf.Options{RegexPatternSets: sets, Store: ratelimit.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]*waf.Engine{"config": fromConfig, "aws": fromAWS} {
		for _, op := range cognito.Operations() {
			v := &request.View{Method: "POST", Path: "/", Header: http.Header{}, ClientIP: netip.MustParseAddr("10.0.0.1"),
				Target: cognito.TargetPrefix + op.Name, Operation: op.Name}
			v.Header.Set("X-Amz-Target", v.Target)
			var vd waf.Verdict
			if err := e.Evaluate(context.Background(), start, v, &vd); err != nil {
				t.Fatal(err)
			}
			if blocked, want := vd.Action == waf.ActionBlock, !slices.Contains(allowed, op.Name); blocked != want {
				t.Errorf("%s: %s blocked = %v, want %v", name, op.Name, blocked, want)
			}
		}
		hosted := &request.View{Method: "GET", Path: "/login", Header: http.Header{}, ClientIP: netip.MustParseAddr("10.0.0.1")}
		var vd waf.Verdict
		if err := e.Evaluate(context.Background(), start, hosted, &vd); err != nil || vd.Action != waf.ActionAllow {
			t.Errorf("%s: Hosted UI request: %v %v", name, vd.Action, err)
		}
	}
}

// TestAllowlistDocuments: --emit allowlist writes exactly one document on
// standard output (or --out), YAML by default or AWS JSON, each parsing
// whole, with the reasons inside; the human account goes to stderr.
func TestAllowlistDocuments(t *testing.T) {
	path := writeCalls(t, learnedCalls)
	emit := func(format, out string, quiet bool) (stdout, stderr string) {
		t.Helper()
		var w, e bytes.Buffer
		o := options("operations", path)
		o.Emit, o.EmitFormat, o.Out, o.Quiet, o.Log = "allowlist", format, out, quiet, &e
		o.Preset = presets.Options{Account: "111122223333", Region: "eu-west-1"}
		if err := Run(context.Background(), o, &w); err != nil {
			t.Fatalf("%s %s: %v", format, out, err)
		}
		return w.String(), e.String()
	}
	y, human := emit("", "", false)
	for _, want := range []string{"LEFT OUT AdminGetUser (iam, 1 calls): IAM-signed: apps never send it", "allow RevokeToken"} {
		if !strings.Contains(human, want) {
			t.Errorf("stderr lacks %q:\n%s", want, human)
		}
	}
	var doc struct {
		WAF config.WAF `yaml:"waf"`
	}
	dec := yaml.NewDecoder(strings.NewReader(y))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not one YAML config: %v\n%s", err, y)
	}
	for _, want := range []string{
		"        # GetTokensFromRefreshToken: the proxy sends refreshes",
		`- '^AWSCognitoIdentityProviderService\.DeleteUser$'`, // no --to: the late calls count
		"- name: cognito-allowlist",
	} {
		if !strings.Contains(y, want) {
			t.Errorf("YAML lacks %q:\n%s", want, y)
		}
	}
	if strings.Contains(y, "LEFT OUT") || strings.Contains(y, "{") {
		t.Errorf("YAML holds more than the config:\n%s", y)
	}

	j, _ := emit("aws-json", "", true)
	var aws struct {
		presets.Preset
		Reasons []Reason
	}
	jd := json.NewDecoder(strings.NewReader(j))
	jd.DisallowUnknownFields()
	if err := jd.Decode(&aws); err != nil || jd.More() {
		t.Fatalf("stdout is not one AWS JSON document: %v\n%s", err, j)
	}
	if len(aws.RegexPatternSets) != 1 || !strings.HasPrefix(aws.RegexPatternSets[0].ARN, "arn:aws:wafv2:eu-west-1:111122223333:regional/regexpatternset/cognito-allowed-targets/") {
		t.Errorf("pattern sets %+v", aws.RegexPatternSets)
	}
	if len(aws.Reasons) != len(aws.RegexPatternSets[0].RegularExpressionList) || len(aws.Reasons) == 0 {
		t.Errorf("%d reasons for %d patterns", len(aws.Reasons), len(aws.RegexPatternSets[0].RegularExpressionList))
	}
	for _, r := range aws.Reasons {
		if r.Reason == "" {
			t.Errorf("%s: no reason", r.Operation)
		}
	}

	file := filepath.Join(t.TempDir(), "allow.json")
	o, e := emit("aws-json", file, false)
	if o != "" || !strings.Contains(e, "wrote "+file) {
		t.Errorf("--out: stdout %q, stderr %q", o, e)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != j {
		t.Errorf("--out file differs from stdout: %v", err)
	}
}

func TestTargetPatterns(t *testing.T) {
	var all []string
	for _, op := range cognito.Operations() {
		if op.Class != cognito.IAM {
			all = append(all, op.Name)
		}
	}
	slices.Sort(all)
	for _, ops := range [][]string{{"InitiateAuth"}, all[:10], all} {
		pats, err := TargetPatterns(ops)
		if err != nil {
			t.Fatal(err)
		}
		if len(pats) > MaxPatterns {
			t.Errorf("%d ops: %d patterns", len(ops), len(pats))
		}
		var res []*regexp.Regexp
		for _, p := range pats {
			if len(p) > MaxPatternLen {
				t.Errorf("pattern of %d chars: %s", len(p), p)
			}
			res = append(res, regexp.MustCompile(p))
		}
		match := func(s string) bool {
			return slices.ContainsFunc(res, func(re *regexp.Regexp) bool { return re.MatchString(s) })
		}
		for _, op := range cognito.Operations() {
			if got, want := match(cognito.TargetPrefix+op.Name), slices.Contains(ops, op.Name); got != want {
				t.Errorf("%d ops: %s matched = %v", len(ops), op.Name, got)
			}
		}
		for _, bad := range []string{"x" + cognito.TargetPrefix + ops[0], cognito.TargetPrefix + ops[0] + "x", "AWSCognitoIdentityProviderServiceX" + ops[0]} {
			if match(bad) {
				t.Errorf("%q matched", bad)
			}
		}
	}
	var ops []string
	for _, op := range cognito.Operations() {
		ops = append(ops, op.Name)
	}
	if _, err := TargetPatterns(ops); err == nil {
		t.Error("every operation fits the pattern set?")
	}
}

// With every client in raw_secret refresh mode the proxy sends refreshes
// as InitiateAuth, so GetTokensFromRefreshToken is not added.
func TestAllowlistFollowsRefreshMode(t *testing.T) {
	path := writeCalls(t, learnedCalls)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "poolguard.yaml")
	if err := os.WriteFile(cfg, []byte("upstream: {region: us-east-1}\nclients: [{client_id: clientA, user_pool_id: us-east-1_x, refresh: raw_secret}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Why map[string]string `json:"why"`
	}
	o := options("operations", path)
	o.Emit, o.Allow.Refresh = "allowlist", []string{"raw_secret"}
	runJSON(t, &out, o)
	if _, ok := out.Why["GetTokensFromRefreshToken"]; ok {
		t.Errorf("raw_secret: GetTokensFromRefreshToken allowed: %v", out.Why)
	}
	if out.Why["RevokeToken"] == "" {
		t.Errorf("RevokeToken missing: %v", out.Why)
	}
}
