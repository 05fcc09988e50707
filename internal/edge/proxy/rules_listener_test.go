package proxy_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/challenge"
	"github.com/poolguard/poolguard/internal/edge/proxy"
	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/ops/waflog"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
	"github.com/tidwall/gjson"
)

// These tests state, through a proxy built from a config file as
// `poolguard serve` builds it and called over HTTP, the security rules
// whose regressions the package tests also catch: each fails if its rule
// is broken in the package where it lives.

// rulesKey signs challenge tokens in these tests.
const rulesKey = "rules-listener-token-key-0123456789abcdef"

// rulesACL tags requests by their x-tag header (Count rules with labels),
// then blocks the "bot" label, the denied IP set (no forwarded-IP
// config: the resolved client IP), the chain IP set read from
// X-Client-Chain (Position ANY, FallbackBehavior MATCH), and answers
// x-tag challenge/captcha with those actions.
var rulesACL = `{"Name":"rules","DefaultAction":{"Allow":{}},"Rules":[` + strings.Join([]string{
	tagRule("TagBotnet", 0, "botnet", `"Count":{}`, `,"RuleLabels":[{"Name":"botnet"}]`),
	tagRule("TagBot", 1, "bot", `"Count":{}`, `,"RuleLabels":[{"Name":"bot"}]`),
	rule("BlockBot", 2, `"Block":{}`, `{"LabelMatchStatement":{"Scope":"LABEL","Key":"bot"}}`),
	rule("BlockDenied", 3, `"Block":{}`, `{"IPSetReferenceStatement":{"ARN":"arn:aws:wafv2:us-east-1:000000000000:regional/ipset/denied/1"}}`),
	rule("BlockChain", 4, `"Block":{}`, `{"IPSetReferenceStatement":{"ARN":"arn:aws:wafv2:us-east-1:000000000000:regional/ipset/chain/2",`+
		`"IPSetForwardedIPConfig":{"HeaderName":"X-Client-Chain","FallbackBehavior":"MATCH","Position":"ANY"}}}`),
	tagRule("NeedChallenge", 5, "challenge", `"Challenge":{}`, ""),
	tagRule("NeedCaptcha", 6, "captcha", `"Captcha":{}`, ""),
}, ",") + `]}`

func rule(name string, prio int, action, stmt string) string {
	return fmt.Sprintf(`{"Name":%q,"Priority":%d,"Action":{%s},"Statement":%s,`+
		`"VisibilityConfig":{"SampledRequestsEnabled":true,"CloudWatchMetricsEnabled":true,"MetricName":%q}}`, name, prio, action, stmt, name)
}

func tagRule(name string, prio int, tag, action, extra string) string {
	stmt := `{"ByteMatchStatement":{"FieldToMatch":{"SingleHeader":{"Name":"x-tag"}},"PositionalConstraint":"EXACTLY",` +
		`"SearchString":"` + tag + `","TextTransformations":[{"Priority":0,"Type":"NONE"}]}}`
	r := rule(name, prio, action, stmt)
	return r[:len(r)-1] + extra + "}"
}

// records is a WAF log observer that encodes each outcome as the proxy's
// log does and hands the record to the test.
type records struct {
	enc *waflog.Encoder
	ch  chan string
}

func (r *records) Observe(o *observe.Outcome) { r.ch <- string(r.enc.Append(nil, o)) }

// next returns the next record, waiting a bounded time.
func (r *records) next(t *testing.T) string {
	t.Helper()
	select {
	case rec := <-r.ch:
		return rec
	case <-time.After(proxytest.ReadyTimeout):
		t.Fatal("no WAF log record")
		return ""
	}
}

// rulesProxy is the proxy under test, in front of a fake Cognito that
// records what reaches it.
type rulesProxy struct {
	url  string
	h    *proxy.Handler
	log  *records
	mu   sync.Mutex
	seen []string // bodies that reached the upstream
}

func startRulesProxy(t *testing.T) *rulesProxy {
	t.Helper()
	p := &rulesProxy{}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.seen = append(p.seen, string(b))
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(up.Close)
	dir := t.TempDir()
	proxytest.WriteFile(t, filepath.Join(dir, "acl.json"), rulesACL)
	proxytest.WriteFile(t, filepath.Join(dir, "token-key"), rulesKey+"\n")
	cfg := proxytest.Load(t, dir, fmt.Sprintf(`listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream: {region: us-east-1, endpoint: %s}
trusted_proxies: [127.0.0.1/32]
unknown_clients: pass
clients:
  - client_id: app1
    propagate_ip: true
    protected_attributes: ["custom:*"]
waf:
  name: rules
  web_acl: acl.json
  ip_sets: [{name: denied, addresses: [198.51.100.0/24]}, {name: chain, addresses: [192.0.2.0/24]}]
signals:
  bot_signals: false
  challenge:
    token_secret: file:%s
    difficulty: 8
`, up.URL, filepath.Join(dir, "token-key")))
	enc, err := waflog.NewEncoder(waflog.EncoderOptions{Headers: []string{"Host", "Referer", "X-Tag"}})
	if err != nil {
		t.Fatal(err)
	}
	p.log = &records{enc: enc, ch: make(chan string, 64)}
	srv, h := proxytest.Serve(t, cfg, server.Deps{}, nil, p.log)
	p.url, p.h = srv.URL, h
	return p
}

// call sends a Cognito operation with the given headers (name, value
// pairs) and returns the answer and its body.
func (p *rulesProxy) call(t *testing.T, op, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.url+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (p *rulesProxy) upstreamCalls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.seen)
}

// getUser calls GetUser, answered by the rules alone (the fake upstream
// says 200), and returns the status and x-amzn-waf-action.
func (p *rulesProxy) getUser(t *testing.T, hdr ...string) (int, string) {
	t.Helper()
	resp, _ := p.call(t, "GetUser", `{"AccessToken":"t"}`, hdr...)
	p.log.next(t)
	return resp.StatusCode, resp.Header.Get("X-Amzn-Waf-Action")
}

// TestWebACLRulesThroughListener: LABEL scope is an exact match, an IP set
// without forwarded-IP config checks the client address resolved through
// trusted proxies (not the TCP peer), and an IP set reading a header with
// FallbackBehavior MATCH matches an invalid entry.
func TestWebACLRulesThroughListener(t *testing.T) {
	p := startRulesProxy(t)
	for _, tc := range []struct {
		name string
		hdr  []string
		want int
	}{
		{"label bot blocked", []string{"X-Tag", "bot"}, 403},
		{"label botnet is not bot", []string{"X-Tag", "botnet"}, 200},
		{"client in the denied set, behind the trusted proxy", []string{"X-Forwarded-For", "198.51.100.7"}, 403},
		{"client outside the denied set", []string{"X-Forwarded-For", "203.0.113.9"}, 200},
		{"chain entry in the set", []string{"X-Client-Chain", "10.0.0.1, 192.0.2.5"}, 403},
		{"chain with an invalid entry: MATCH", []string{"X-Client-Chain", "10.0.0.1, not-an-ip"}, 403},
		{"chain all valid, none in the set", []string{"X-Client-Chain", "10.0.0.1, 10.0.0.2"}, 200},
	} {
		if got, _ := p.getUser(t, tc.hdr...); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestProtectedAttributeWildcardThroughListener: "custom:*" refuses a
// custom attribute however its name is cased, before anything reaches
// Cognito.
func TestProtectedAttributeWildcardThroughListener(t *testing.T) {
	p := startRulesProxy(t)
	for _, name := range []string{"custom:role", "Custom:Role", "CUSTOM:ROLE"} {
		resp, body := p.call(t, "SignUp", `{"ClientId":"app1","Username":"u","Password":"P4ssw0rd!x","UserAttributes":[{"Name":"`+name+`","Value":"admin"}]}`)
		p.log.next(t)
		if resp.StatusCode != 400 || gjson.Get(body, "__type").Str != "NotAuthorizedException" {
			t.Errorf("%s: %d %s", name, resp.StatusCode, body)
		}
	}
	if n := p.upstreamCalls(); n != 0 {
		t.Errorf("%d protected writes reached Cognito", n)
	}
	resp, body := p.call(t, "SignUp", `{"ClientId":"app1","Username":"u","Password":"P4ssw0rd!x","UserAttributes":[{"Name":"name","Value":"n"}]}`)
	p.log.next(t)
	if resp.StatusCode != 200 || p.upstreamCalls() != 1 {
		t.Errorf("unprotected attribute: %d %s", resp.StatusCode, body)
	}
}

// TestMappedPeerIsItsIPv4Client: a peer seen as an IPv4-mapped IPv6
// address (a dual-stack listener) is propagated to Cognito as the IPv4
// client, the same client its IPv4 form is.
func TestMappedPeerIsItsIPv4Client(t *testing.T) {
	p := startRulesProxy(t)
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"ClientId":"app1","Username":"u","Password":"P4ssw0rd!x"}`))
	r.RemoteAddr = "[::ffff:203.0.113.5]:5555"
	r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.SignUp")
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	w := httptest.NewRecorder()
	p.h.ServeHTTP(w, r)
	if w.Code != 200 || p.upstreamCalls() != 1 {
		t.Fatalf("SignUp: %d %s", w.Code, w.Body)
	}
	rec := p.log.next(t)
	if ip := gjson.Get(p.seen[0], "UserContextData.IpAddress").Str; ip != "203.0.113.5" {
		t.Errorf("IpAddress sent to Cognito %q, want 203.0.113.5", ip)
	}
	if ip := gjson.Get(rec, "httpRequest.clientIp").Str; ip != "203.0.113.5" {
		t.Errorf("clientIp logged %q, want 203.0.113.5", ip)
	}
}

// TestLogRedactsSigningParameters: SigV4 query-signing parameters
// (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token) and OAuth
// tokens in the query or the Referer never reach the WAF log.
func TestLogRedactsSigningParameters(t *testing.T) {
	p := startRulesProxy(t)
	q := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=SECRET-CRED&X-Amz-Signature=SECRET-SIG&X-Amz-Security-Token=SECRET-STS"
	req, _ := http.NewRequest(http.MethodPost, p.url+"/?"+q, strings.NewReader(`{"AccessToken":"t"}`))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.GetUser")
	req.Header.Set("Referer", "https://app.example/cb?state=s&code=SECRET-CODE#id_token=SECRET-ID")
	do(t, req)
	rec := p.log.next(t)
	if strings.Contains(rec, "SECRET-") {
		t.Errorf("the log record carries a secret:\n%s", rec)
	}
	for _, want := range []string{"X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Credential=REDACTED", "X-Amz-Signature=REDACTED", "X-Amz-Security-Token=REDACTED"} {
		if !strings.Contains(rec, want) {
			t.Errorf("the log record lacks %s:\n%s", want, rec)
		}
	}
}

// powBits counts the leading zero bits of SHA-256(text:counter): the
// test's own proof-of-work oracle.
func powBits(text, counter string) int {
	sum := sha256.Sum256([]byte(text + ":" + counter))
	n := 0
	for _, c := range sum {
		n += bits.LeadingZeros8(c)
		if c != 0 {
			break
		}
	}
	return n
}

// puzzleFor asks the proxy's challenge endpoint for a puzzle as client
// (X-Forwarded-For) with user agent ua.
func (p *rulesProxy) puzzleFor(t *testing.T, client, ua string) (text string, nbits int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.url+challenge.Prefix+"/new", nil)
	req.Header.Set("X-Forwarded-For", client)
	req.Header.Set("User-Agent", ua)
	resp, body := do(t, req)
	if resp.StatusCode != 200 {
		t.Fatalf("new: %d %s", resp.StatusCode, body)
	}
	return gjson.Get(body, "puzzle").Str, int(gjson.Get(body, "bits").Int())
}

// verify posts a solution to the proxy's verify endpoint; token is sent as
// the cookie when not empty.
func (p *rulesProxy) verify(t *testing.T, client, ua, puzzle, counter, token string) (int, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"puzzle": puzzle, "counter": counter})
	req, _ := http.NewRequest(http.MethodPost, p.url+challenge.Prefix+"/verify", bytes.NewReader(b))
	req.Header.Set("X-Forwarded-For", client)
	req.Header.Set("User-Agent", ua)
	if token != "" {
		req.Header.Set("Cookie", challenge.CookieName+"="+token)
	}
	resp, body := do(t, req)
	return resp.StatusCode, gjson.Get(body, "token").Str
}

// TestChallengeThroughListener: a forged proof of work (a numeric counter
// that does not solve the puzzle) gets no token; a real one does, and the
// token passes the Challenge rule. A CAPTCHA token of another client, sent
// along with a challenge solve, does not lend its CAPTCHA to the new
// token.
func TestChallengeThroughListener(t *testing.T) {
	p := startRulesProxy(t)
	const a, b, ua = "203.0.113.7", "192.0.2.200", "app/1.0"
	if st, act := p.getUser(t, "X-Tag", "challenge", "X-Forwarded-For", b, "User-Agent", ua); st != 202 || act != "challenge" {
		t.Fatalf("no token: %d %q, want 202 challenge", st, act)
	}
	text, nbits := p.puzzleFor(t, b, ua)
	forged := ""
	for n := 0; n < 1000 && forged == ""; n++ {
		if c := strconv.Itoa(n); powBits(text, c) < nbits {
			forged = c
		}
	}
	if st, tok := p.verify(t, b, ua, text, forged, ""); st != 403 || tok != "" {
		t.Fatalf("forged proof of work %s: %d, token %q", forged, st, tok)
	}

	// A's CAPTCHA token, minted by a replica sharing the key.
	capA := mintCaptcha(t, netip.MustParseAddr(a), ua)
	if st, _ := p.getUser(t, "X-Tag", "captcha", "X-Forwarded-For", a, "User-Agent", ua, "Cookie", challenge.CookieName+"="+capA); st != 200 {
		t.Fatalf("A's own CAPTCHA token refused: %d", st)
	}

	st, tokB := p.verify(t, b, ua, text, challenge.Solve(text, nbits), capA)
	if st != 200 || tokB == "" {
		t.Fatalf("solved proof of work: %d", st)
	}
	cookie := challenge.CookieName + "=" + tokB
	if st, act := p.getUser(t, "X-Tag", "challenge", "X-Forwarded-For", b, "User-Agent", ua, "Cookie", cookie); st != 200 {
		t.Errorf("B's challenge token: %d %q, want 200", st, act)
	}
	if st, act := p.getUser(t, "X-Tag", "captcha", "X-Forwarded-For", b, "User-Agent", ua, "Cookie", cookie); st != 405 || act != "captcha" {
		t.Errorf("B passed the CAPTCHA with A's solve: %d %q, want 405 captcha", st, act)
	}
}

// mintCaptcha solves a CAPTCHA as client with ua at a service sharing the
// proxy's key whose puzzle answer the test knows, and returns the token.
func mintCaptcha(t *testing.T, client netip.Addr, ua string) string {
	t.Helper()
	svc, err := challenge.New(challenge.Config{Key: []byte(rulesKey), Difficulty: 8,
		Verifier: &challenge.Puzzle{Key: []byte(rulesKey), Code: func() string { return "4021" }},
		ClientIP: func(*http.Request) netip.Addr { return client }})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, challenge.Prefix+"?kind=captcha", nil)
	r.Header.Set("User-Agent", ua)
	w := httptest.NewRecorder()
	svc.ServeHTTP(w, r)
	page := w.Body.String()
	i := strings.Index(page, `type="application/json"`)
	if i < 0 {
		t.Fatalf("no config in the CAPTCHA page: %d", w.Code)
	}
	page = page[i:]
	cfg := page[strings.Index(page, ">")+1 : strings.Index(page, "</script>")]
	puzzle, state := gjson.Get(cfg, "puzzle").Str, gjson.Get(cfg, "state").Str
	b, _ := json.Marshal(map[string]string{"puzzle": puzzle, "counter": challenge.Solve(puzzle, int(gjson.Get(cfg, "bits").Int())), "state": state, "response": "4021"})
	r = httptest.NewRequest(http.MethodPost, challenge.Prefix+"/verify", bytes.NewReader(b))
	r.Header.Set("User-Agent", ua)
	w = httptest.NewRecorder()
	svc.ServeHTTP(w, r)
	tok := gjson.Get(w.Body.String(), "token").Str
	if w.Code != 200 || tok == "" {
		t.Fatalf("mint CAPTCHA: %d %s", w.Code, w.Body)
	}
	return tok
}
