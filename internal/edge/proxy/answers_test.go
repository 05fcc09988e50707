package proxy_test

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
	"github.com/poolguard/poolguard/internal/testkit/servetest"
)

var updateAnswers = flag.Bool("update-answers", false, "rewrite testdata/answers.golden")

// answersACL blocks x-tag "block" (AWS's block answer) and "custom" (a
// custom response), and asks x-tag "captcha" and "challenge" for tokens.
var answersACL = `{"Name":"answers","DefaultAction":{"Allow":{}},` +
	`"CustomResponseBodies":{"slow":{"ContentType":"APPLICATION_JSON","Content":"{\"message\":\"slow down\"}"}},"Rules":[` + strings.Join([]string{
	tagRule("Block", 0, "block", `"Block":{}`, ""),
	tagRule("Custom", 1, "custom", `"Block":{"CustomResponse":{"ResponseCode":429,"CustomResponseBodyKey":"slow",`+
		`"ResponseHeaders":[{"Name":"retry-after","Value":"7"}]}}`, ""),
	tagRule("Captcha", 2, "captcha", `"Captcha":{}`, ""),
	tagRule("Challenge", 3, "challenge", `"Challenge":{}`, ""),
}, ",") + `]}`

// TestAnswerBytes records, byte for byte, the answer to a request stopped
// at each stage of ServeHTTP (route, read, firewall, parse, hook, decide,
// forward, relay) through a proxy built from a config file, and compares
// them with testdata/answers.golden (the request id and Date masked). It
// pins what each stage writes, whatever the code that writes it.
func TestAnswerBytes(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-Requestid", "upstream-id")
		switch {
		case strings.HasSuffix(r.URL.Path, "/jwks.json"):
			_, _ = io.WriteString(w, `{"keys":[]}`)
		case strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".ForgotPassword"):
			w.Header().Set("X-Amzn-Errortype", "LimitExceededException:")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"LimitExceededException","message":"Attempt limit exceeded."}`)
		default:
			_, _ = io.WriteString(w, `{"Username":"u"}`)
		}
	}))
	t.Cleanup(up.Close)
	hk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch {
		case strings.Contains(string(b), "hookblock"):
			_, _ = io.WriteString(w, `{"action":"block","status":400,"error_type":"NotAuthorizedException","message":"Sign-up is not available."}`)
		case strings.Contains(string(b), "hookcaptcha"):
			_, _ = io.WriteString(w, `{"action":"captcha"}`)
		default:
			_, _ = io.WriteString(w, `{"action":"allow"}`)
		}
	}))
	t.Cleanup(hk.Close)
	dir := t.TempDir()
	proxytest.WriteFile(t, filepath.Join(dir, "acl.json"), answersACL)
	proxytest.WriteFile(t, filepath.Join(dir, "token-key"), rulesKey+"\n")
	config := `listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream: {region: us-east-1, endpoint: %s}
trusted_proxies: [127.0.0.1/32]
unknown_clients: pass
cors: {allowed_origins: [https://app.example]}
operations: {deny: [DeleteUser]}
limits: {max_body_bytes: 1024}
clients:
  - client_id: app1
waf:
  name: answers
  web_acl: acl.json
signals:
  bot_signals: false
  challenge:
    token_secret: file:%s
    difficulty: 8
decision_hook:
  url: %s
  timeout: 5s
  on_error: allow
  operations: [SignUp]
  send_headers: [User-Agent]
  body_fields: [Username]
  max_concurrency: 4
`
	cfg := proxytest.Load(t, dir, fmt.Sprintf(config, up.URL, filepath.Join(dir, "token-key"), hk.URL))
	srv, _ := proxytest.Serve(t, cfg, server.Deps{}, nil, nil)

	// An upstream that cannot be reached: a listener closed at once.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	cfgDown := proxytest.Load(t, "", fmt.Sprintf(`upstream: {region: us-east-1, endpoint: %s}
unknown_clients: pass
clients: [{client_id: app1}]
`, closed))
	down, _ := proxytest.Serve(t, cfgDown, server.Deps{}, nil, nil)

	post := func(op, body string, hdr ...string) string {
		h := "Content-Type: application/x-amz-json-1.1\r\n"
		if op != "" {
			h += "X-Amz-Target: AWSCognitoIdentityProviderService." + op + "\r\n"
		}
		for _, x := range hdr {
			h += x + "\r\n"
		}
		return fmt.Sprintf("POST / HTTP/1.1\r\nHost: proxy\r\n%sContent-Length: %d\r\n\r\n%s", h, len(body), body)
	}
	getUser := `{"AccessToken":"t"}`
	cases := []struct{ name, url, req string }{
		{"route: preflight", srv.URL, "OPTIONS / HTTP/1.1\r\nHost: proxy\r\nOrigin: https://app.example\r\nAccess-Control-Request-Headers: x-amz-target\r\n\r\n"},
		{"route: preflight, origin refused", srv.URL, "OPTIONS / HTTP/1.1\r\nHost: proxy\r\nOrigin: https://evil.example\r\n\r\n"},
		{"route: challenge path", srv.URL, "GET /.poolguard/challenge/nothing HTTP/1.1\r\nHost: proxy\r\nOrigin: https://app.example\r\n\r\n"},
		{"read: method", srv.URL, "GET / HTTP/1.1\r\nHost: proxy\r\n\r\n"},
		{"read: path", srv.URL, "POST /x HTTP/1.1\r\nHost: proxy\r\nContent-Length: 2\r\n\r\n{}"},
		{"read: body too large", srv.URL, post("GetUser", `{"AccessToken":"`+strings.Repeat("a", 1100)+`"}`)},
		{"firewall: block", srv.URL, post("GetUser", getUser, "X-Tag: block")},
		{"firewall: custom response", srv.URL, post("GetUser", getUser, "X-Tag: custom", "Origin: https://app.example")},
		{"firewall: captcha, API client", srv.URL, post("GetUser", getUser, "X-Tag: captcha")},
		{"firewall: challenge, API client", srv.URL, post("GetUser", getUser, "X-Tag: challenge")},
		{"firewall: challenge, browser", srv.URL, post("GetUser", getUser, "X-Tag: challenge", "Accept: text/html")},
		{"firewall: block, malformed call", srv.URL, post("GetUser", `{"AccessToken":`, "X-Tag: block")},
		{"parse: malformed call", srv.URL, post("GetUser", `{"AccessToken":`)},
		{"parse: unknown operation", srv.URL, post("NoSuchOperation", `{}`)},
		{"hook: block", srv.URL, post("SignUp", `{"ClientId":"app1","Username":"hookblock","Password":"Passw0rd!"}`)},
		{"hook: captcha", srv.URL, post("SignUp", `{"ClientId":"app1","Username":"hookcaptcha","Password":"Passw0rd!"}`)},
		{"decide: denied operation", srv.URL, post("DeleteUser", getUser)},
		{"forward: relayed", srv.URL, post("GetUser", getUser, "Origin: https://app.example")},
		{"forward: hook allows", srv.URL, post("SignUp", `{"ClientId":"app1","Username":"fine","Password":"Passw0rd!"}`)},
		{"forward: upstream error relayed", srv.URL, post("ForgotPassword", `{"ClientId":"app1","Username":"u"}`)},
		{"forward: well-known document", srv.URL, "GET /us-east-1_AbC123/.well-known/jwks.json HTTP/1.1\r\nHost: proxy\r\n\r\n"},
		{"forward: upstream unreachable", down.URL, post("GetUser", getUser)},
	}
	var got strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&got, "=== %s\n%s\n", c.name, rawAnswer(t, c.url, c.req))
	}
	golden := filepath.Join("testdata", "answers.golden")
	if *updateAnswers {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update-answers to create it)", err)
	}
	gotText, wantText := got.String(), string(want)
	if servetest.Kind() == "fasthttp" {
		// fasthttp sends the same answers with Date, Content-Type and
		// Content-Length first and every body with a length (net/http
		// chunks a long one): compare header sets and bodies.
		gotText, wantText = unordered(gotText), unordered(wantText)
	}
	if gotText == wantText {
		return
	}
	gotCases, wantCases := strings.Split(gotText, "=== "), strings.Split(wantText, "=== ")
	for i := range max(len(gotCases), len(wantCases)) {
		var g, w string
		if i < len(gotCases) {
			g = gotCases[i]
		}
		if i < len(wantCases) {
			w = wantCases[i]
		}
		if g != w {
			t.Errorf("answer differs from %s:\ngot:\n%s\nwant:\n%s", golden, g, w)
		}
	}
}

// unordered returns the answers in text (rawAnswer's form, each after
// "=== name") with each answer's header lines sorted and without its
// framing headers (Content-Length, Transfer-Encoding).
func unordered(text string) string {
	var b strings.Builder
	for i, c := range strings.Split(text, "=== ") {
		if i > 0 {
			b.WriteString("=== ")
		}
		name, answer, _ := strings.Cut(c, "\n")
		head, body, _ := strings.Cut(answer, "\n\n")
		lines := strings.Split(head, "\n")
		status, hdr := lines[0], lines[1:]
		hdr = slices.DeleteFunc(hdr, func(l string) bool {
			return strings.HasPrefix(l, "Content-Length:") || strings.HasPrefix(l, "Transfer-Encoding:")
		})
		slices.Sort(hdr)
		fmt.Fprintf(&b, "%s\n%s\n%s\n\n%s", name, status, strings.Join(hdr, "\n"), body)
	}
	return b.String()
}

var (
	dateLine  = regexp.MustCompile(`(?m)^Date: .*\r$`)
	requestID = regexp.MustCompile(`(?mi)^x-amzn-requestid: (.+)\r$`)
	htmlBody  = regexp.MustCompile(`(?s)\r\n\r\n<!doctype html>.*`)
	chunkLine = regexp.MustCompile(`(?s)\r\n\r\n[0-9a-f]+\r\n<!doctype html>.*`)
	nonce     = regexp.MustCompile(`'nonce-[^']*'`)
)

// rawAnswer sends req as written to the server at base on a new
// connection and returns the answer's bytes as they came, with Date, the
// proxy's request id, a page's nonce and an HTML page's body (which holds
// a fresh puzzle) masked.
func rawAnswer(t *testing.T, base, req string) string {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req = strings.Replace(req, "\r\n", "\r\nConnection: close\r\n", 1)
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(bufio.NewReader(c))
	if err != nil {
		t.Fatal(err)
	}
	s := dateLine.ReplaceAllString(string(b), "Date: DATE\r")
	if m := requestID.FindStringSubmatch(s); m != nil && m[1] != "upstream-id" {
		s = strings.ReplaceAll(s, m[1], "REQUEST-ID")
	}
	s = nonce.ReplaceAllString(s, "'nonce-NONCE'")
	s = chunkLine.ReplaceAllString(s, "\r\n\r\n<the challenge page>")
	s = htmlBody.ReplaceAllString(s, "\r\n\r\n<the challenge page>")
	return strings.ReplaceAll(s, "\r\n", "\n")
}
