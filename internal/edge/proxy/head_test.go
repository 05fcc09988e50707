package proxy_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/edge/proxy"
	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/ops/waflog"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
)

// headACL can refuse on the head: an allow list, a deny list, a per-IP
// rate limit of 10 (labelled), a Count rule on X-Amz-Target; then rules
// that need the body.
var headACL = `{"Name":"head","DefaultAction":{"Allow":{}},"Rules":[` + strings.Join([]string{
	rule("AllowList", 0, `"Allow":{}`, `{"IPSetReferenceStatement":{"ARN":"arn:aws:wafv2:us-east-1:000000000000:regional/ipset/allowed/1"}}`),
	rule("DenyList", 1, `"Block":{}`, `{"IPSetReferenceStatement":{"ARN":"arn:aws:wafv2:us-east-1:000000000000:regional/ipset/denied/2"}}`),
	`{"Name":"PerIP","Priority":2,"Action":{"Block":{}},"RuleLabels":[{"Name":"poolguard:ratelimit:ip"}],` +
		`"Statement":{"RateBasedStatement":{"Limit":10,"AggregateKeyType":"IP","EvaluationWindowSec":300}},` +
		`"VisibilityConfig":{"SampledRequestsEnabled":true,"CloudWatchMetricsEnabled":true,"MetricName":"PerIP"}}`,
	tagRuleHeader("CountSignUp", 3, "X-Amz-Target", "AWSCognitoIdentityProviderService.SignUp", `"Count":{}`, `,"RuleLabels":[{"Name":"signup"}]`),
	rule("BodyEvil", 4, `"Block":{}`, `{"ByteMatchStatement":{"FieldToMatch":{"Body":{}},"PositionalConstraint":"CONTAINS","SearchString":"evil","TextTransformations":[{"Priority":0,"Type":"NONE"}]}}`),
}, ",") + `]}`

// tagRuleHeader is a rule matching a header's exact value.
func tagRuleHeader(name string, prio int, header, val, action, extra string) string {
	stmt := `{"ByteMatchStatement":{"FieldToMatch":{"SingleHeader":{"Name":"` + header + `"}},"PositionalConstraint":"EXACTLY",` +
		`"SearchString":"` + val + `","TextTransformations":[{"Priority":0,"Type":"NONE"}]}}`
	r := rule(name, prio, action, stmt)
	return r[:len(r)-1] + extra + "}"
}

// headProxy is a proxy serving acl, and its WAF log records.
type headProxy struct {
	h   *proxy.Handler
	log *records
}

func startHeadProxy(t *testing.T, acl, extra string, fullPathOnly bool) *headProxy {
	t.Helper()
	return startHeadProxyFor(t, acl, extra, fullPathOnly, "pass")
}

// startHeadProxyFor is startHeadProxy with unknown_clients set to unknown.
func startHeadProxyFor(t *testing.T, acl, extra string, fullPathOnly bool, unknown string) *headProxy {
	t.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(up.Close)
	dir := t.TempDir()
	proxytest.WriteFile(t, filepath.Join(dir, "acl.json"), acl)
	cfg := proxytest.Load(t, dir, fmt.Sprintf(`listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream: {region: us-east-1, endpoint: %s}
unknown_clients: %s
clients:
  - client_id: app1
    user_pool_id: us-east-1_HEAD
waf:
  name: head
  web_acl: acl.json
  ip_sets: [{name: allowed, addresses: [203.0.113.0/24]}, {name: denied, addresses: [198.51.100.0/24]}]
%s`, up.URL, unknown, extra))
	enc, err := waflog.NewEncoder(waflog.EncoderOptions{Headers: []string{"X-Amz-Target", "X-Amzn-Cognito-Client-Id"}})
	if err != nil {
		t.Fatal(err)
	}
	p := &headProxy{log: &records{enc: enc, ch: make(chan string, 256)}}
	_, p.h = proxytest.Serve(t, cfg, server.Deps{}, nil, p.log)
	if fullPathOnly {
		proxy.FullPathOnly(p.h)
	}
	return p
}

// headCall is one request of the comparison.
type headCall struct {
	name, ip, op, body string
	hdr                []string
	// head: the request is refused on its head (the fast path's record
	// lacks what only the body tells).
	head bool
}

// result is what a client and the log see of one call.
type result struct {
	status  int
	headers http.Header
	body    string
	record  map[string]any
}

func (p *headProxy) do(t *testing.T, c headCall) result {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
	r.RemoteAddr = c.ip + ":40000"
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if c.op != "" {
		r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+c.op)
	}
	for i := 0; i+1 < len(c.hdr); i += 2 {
		r.Header.Set(c.hdr[i], c.hdr[i+1])
	}
	w := httptest.NewRecorder()
	p.h.ServeHTTP(w, r)
	var rec map[string]any
	if err := json.Unmarshal([]byte(p.log.next(t)), &rec); err != nil {
		t.Fatal(err)
	}
	hdr := w.Result().Header.Clone()
	hdr.Del("X-Amzn-Requestid")
	// What differs from one request to the next whatever the path.
	delete(rec, "timestamp")
	delete(rec["httpRequest"].(map[string]any), "requestId")
	delete(rec["poolguard"].(map[string]any), "durationMs")
	delete(rec["poolguard"].(map[string]any), "upstreamLatencyMs")
	return result{status: w.Code, headers: hdr, body: w.Body.String(), record: rec}
}

// bodyFields are the record's fields only the body tells: empty when a
// request was refused on its head.
var bodyFields = []string{"clientId", "authFlow"}

// TestRefuseOnHeadMatchesFullPath sends the same calls to a proxy that
// refuses on the head and to one that always takes the whole path: the
// answers (status, headers, body) and the WAF log records are the same,
// but for what only the body tells of the calls refused on their head:
// the app client, auth flow, user pool and the phone stage's labels. Rate counts are the same: the
// 11th call of an address over its limit of 10 is refused on both, and
// calls the head did not decide are counted once.
func TestRefuseOnHeadMatchesFullPath(t *testing.T) {
	signIn := `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"app1","AuthParameters":{"USERNAME":"u","PASSWORD":"p"}}`
	var calls []headCall
	calls = append(calls,
		headCall{name: "denied address", ip: "198.51.100.7", op: "InitiateAuth", body: signIn, head: true},
		headCall{name: "denied address, malformed body", ip: "198.51.100.7", op: "InitiateAuth", body: `{"ClientId":`, head: true},
		headCall{name: "denied address, unknown operation", ip: "198.51.100.8", op: "NoSuchThing", body: signIn, head: true},
		headCall{name: "denied address, duplicate keys", ip: "198.51.100.9", op: "InitiateAuth", body: `{"ClientId":"app1","ClientId":"x"}`, head: true},
		headCall{name: "denied address, sign-up naming a phone number", ip: "198.51.100.7", op: "SignUp",
			body: `{"ClientId":"app1","Username":"u","Password":"P4ssw0rd!x","UserAttributes":[{"Name":"phone_number","Value":"+14155550100"}]}`, head: true},
		headCall{name: "denied address with a forged client-id header", ip: "198.51.100.7", op: "InitiateAuth", body: signIn,
			hdr: []string{"X-Amzn-Cognito-Client-Id", "app1"}, head: true},
		headCall{name: "allowed address, evil body", ip: "203.0.113.5", op: "InitiateAuth", body: `{"ClientId":"app1","x":"evil"}`},
		headCall{name: "other address, evil body", ip: "192.0.2.50", op: "InitiateAuth", body: `{"ClientId":"app1","x":"evil"}`},
		headCall{name: "other address, sign-up counted", ip: "192.0.2.51", op: "SignUp", body: `{"ClientId":"app1","Username":"u","Password":"P4ssw0rd!x"}`},
	)
	for i := range 14 {
		calls = append(calls, headCall{name: fmt.Sprintf("flood call %d", i+1), ip: "192.0.2.99", op: "InitiateAuth", body: signIn, head: i >= 10})
	}
	calls = append(calls,
		headCall{name: "flooding address, sign-up", ip: "192.0.2.99", op: "SignUp", body: `{"ClientId":"app1","Username":"u","Password":"P4ssw0rd!x"}`, head: true},
		headCall{name: "flooding address, evil body", ip: "192.0.2.99", op: "InitiateAuth", body: `{"x":"evil"}`, head: true},
		headCall{name: "allowed address never limited", ip: "203.0.113.5", op: "InitiateAuth", body: signIn},
	)
	fast := startHeadProxy(t, headACL, "", false)
	full := startHeadProxy(t, headACL, "", true)
	refusedOnHead, phoneLabels := 0, 0
	for _, c := range calls {
		a, b := fast.do(t, c), full.do(t, c)
		if a.status != b.status || a.body != b.body || !reflect.DeepEqual(a.headers, b.headers) {
			t.Errorf("%s: fast %d %v %s, full %d %v %s", c.name, a.status, a.headers, a.body, b.status, b.headers, b.body)
		}
		fpg, bpg := a.record["poolguard"].(map[string]any), b.record["poolguard"].(map[string]any)
		if c.head {
			refusedOnHead++
			for _, f := range bodyFields {
				if fpg[f] != "" {
					t.Errorf("%s: refused on the head but its record has %s %v", c.name, f, fpg[f])
				}
				fpg[f] = bpg[f]
			}
			if a.record["httpSourceId"] != "" {
				t.Errorf("%s: refused on the head but its record has httpSourceId %v", c.name, a.record["httpSourceId"])
			}
			a.record["httpSourceId"] = b.record["httpSourceId"]
			// The phone stage's labels come from the body.
			var kept []any
			for _, l := range b.record["labels"].([]any) {
				if name := l.(map[string]any)["name"].(string); !strings.HasPrefix(name, "poolguard:phone:") {
					kept = append(kept, l)
				} else {
					phoneLabels++
				}
			}
			if kept == nil {
				kept = []any{}
			}
			b.record["labels"] = kept
		}
		if !reflect.DeepEqual(a.record, b.record) {
			ja, _ := json.Marshal(a.record)
			jb, _ := json.Marshal(b.record)
			t.Errorf("%s: records differ\nfast %s\nfull %s", c.name, ja, jb)
		}
		if c.head && b.status != http.StatusForbidden {
			t.Errorf("%s: expected a block, got %d", c.name, b.status)
		}
	}
	if refusedOnHead == 0 || phoneLabels == 0 {
		t.Fatalf("%d calls refused on their head, %d phone labels only the full path gave: the comparison misses a case", refusedOnHead, phoneLabels)
	}
}

// TestRefuseOnHeadNotWhereTheBodyDecides: a denied address must still get
// the whole path, and its answer, when a rule before the deny list reads
// the body or a body-derived label, when a rule reads a pseudo-header the
// body fills (a client's own header of that name is not trusted), or when
// a labeller before the web ACL reads the body (an e-mail domain list).

// A proxy whose clients are all in one pool and that refuses unlisted
// clients serves that pool alone: the record of a call refused on its
// head, whose body is never read, names it (httpSourceId) as the whole
// path's record does, and so does a refused call naming an unlisted
// client. A proxy passing unlisted clients names no pool for either.
func TestHeadRecordNamesTheOnlyPool(t *testing.T) {
	signIn := `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"app1","AuthParameters":{"USERNAME":"u","PASSWORD":"p"}}`
	stranger := `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"stranger","AuthParameters":{"USERNAME":"u","PASSWORD":"p"}}`
	for _, tt := range []struct {
		unknown  string
		call     headCall
		fullPath bool
		wantPool string
	}{
		{"reject", headCall{name: "denied address, on the head", ip: "198.51.100.7", op: "InitiateAuth", body: signIn}, false, "us-east-1_HEAD"},
		{"reject", headCall{name: "denied address, whole path", ip: "198.51.100.7", op: "InitiateAuth", body: signIn}, true, "us-east-1_HEAD"},
		{"reject", headCall{name: "unlisted client, whole path", ip: "198.51.100.7", op: "InitiateAuth", body: stranger}, true, "us-east-1_HEAD"},
		{"pass", headCall{name: "denied address, on the head, passing", ip: "198.51.100.7", op: "InitiateAuth", body: signIn}, false, ""},
		{"pass", headCall{name: "unlisted client, whole path, passing", ip: "198.51.100.7", op: "InitiateAuth", body: stranger}, true, ""},
	} {
		p := startHeadProxyFor(t, headACL, "", tt.fullPath, tt.unknown)
		got := p.do(t, tt.call)
		if got.status != http.StatusForbidden {
			t.Fatalf("%s: status %d, want the deny list's 403", tt.call.name, got.status)
		}
		if got.record["httpSourceId"] != tt.wantPool {
			t.Errorf("%s (unknown_clients: %s): httpSourceId %v, want %q", tt.call.name, tt.unknown, got.record["httpSourceId"], tt.wantPool)
		}
	}
}
func TestRefuseOnHeadNotWhereTheBodyDecides(t *testing.T) {
	deny := rule("DenyList", 1, `"Block":{}`, `{"IPSetReferenceStatement":{"ARN":"arn:aws:wafv2:us-east-1:000000000000:regional/ipset/denied/2"}}`)
	acl := func(first string) string {
		return `{"Name":"head","DefaultAction":{"Allow":{}},"Rules":[` + first + "," + deny + `]}`
	}
	partner := `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"app1","AuthParameters":{"USERNAME":"partner","PASSWORD":"p"}}`
	tests := []struct {
		name, acl, extra string
		hdr              []string
	}{
		{"allow on the body", acl(rule("AllowPartner", 0, `"Allow":{}`,
			`{"ByteMatchStatement":{"FieldToMatch":{"Body":{}},"PositionalConstraint":"CONTAINS","SearchString":"partner","TextTransformations":[{"Priority":0,"Type":"NONE"}]}}`)), "", nil},
		{"allow on the client id pseudo-header, forged by the client too", acl(tagRuleHeader("AllowApp", 0, "x-amzn-cognito-client-id", "app1", `"Allow":{}`, "")), "",
			[]string{"X-Amzn-Cognito-Client-Id", "app1"}},
		{"allow on poolguard's user name pseudo-header", acl(tagRuleHeader("AllowUser", 0, "x-poolguard-username", "partner", `"Allow":{}`, "")), "", nil},
		{"allow on the operation pseudo-header", acl(tagRuleHeader("AllowOp", 0, "x-amzn-cognito-operation-name", "InitiateAuth", `"Allow":{}`, "")), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startHeadProxy(t, tt.acl, tt.extra, false)
			got := p.do(t, headCall{ip: "198.51.100.7", op: "InitiateAuth", body: partner, hdr: tt.hdr})
			if got.status != http.StatusOK {
				t.Errorf("denied address allowed by a rule on the body: got %d %s, want 200", got.status, got.body)
			}
			if pg := got.record["poolguard"].(map[string]any); pg["clientId"] != "app1" {
				t.Errorf("record clientId %v: the body was not read", pg["clientId"])
			}
		})
	}
}
