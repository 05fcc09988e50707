package servetest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Exchange writes raw to addr on a new connection, half-closes it, and
// returns every answer (interim 1xx answers left out: fasthttp sends 100
// Continue even for an empty body) as its status and its body, in order, until the
// server closes. The plain-text bodies of the servers' own refusals are
// left out (net/http and fasthttp word them differently); a handler's
// JSON answers are kept.
func Exchange(t testing.TB, addr, raw string) []string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	_ = c.(*net.TCPConn).CloseWrite()
	br := bufio.NewReader(c)
	var got []string
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			break
		}
		if resp.StatusCode/100 == 1 { // interim (100 Continue): not an answer
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(b)
		if resp.StatusCode >= 400 && !strings.HasPrefix(body, "{") {
			body = "" // a server's own refusal: net/http and fasthttp word theirs differently
		}
		got = append(got, fmt.Sprintf("%d %s", resp.StatusCode, body))
	}
	return got
}

// FramingCase is a request, as bytes, on whose framing or syntax HTTP
// parsers can disagree.
type FramingCase struct {
	// Name names the case.
	Name string
	// Raw is the request as sent, possibly followed by a smuggled one.
	Raw string
	// Stricter, when set, is what fastserve answers an echo handler
	// (status and, below 400, the body; fastserve_test's echo) where
	// fasthttp refuses what net/http accepts, or refuses it with another
	// status; nil: exactly net/http's answers.
	Stricter []string
	// Why explains Stricter.
	Why string
}

// FramingCases are the request-smuggling cases (CL+TE, duplicate
// Content-Length, obs-fold, bare CR, absolute-form, ...) and a few plain
// requests, which both servers must answer alike but where listed.
var FramingCases = []FramingCase{
	{Name: "plain", Raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "pipelined", Raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"},
	{Name: "connection close", Raw: "POST / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"},
	{Name: "CL+TE", Raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
		Stricter: []string{"200 POST /  host=\"a\" proto=HTTP/1.1 cl=-1 te=[\"chunked\"] body=\"\" err=false\n"},
		Why:      "the same answer (the chunked body wins, as RFC 9112 6.3 says), then fasthttp closes the connection as the RFC requires; net/http reads on"},
	{Name: "TE+CL", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
		Stricter: []string{"200 POST /  host=\"a\" proto=HTTP/1.1 cl=-1 te=[\"chunked\"] body=\"\" err=false\n"},
		Why:      "as CL+TE"},
	{Name: "duplicate CL, same value", Raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
		Stricter: []string{"400 "}, Why: "fasthttp refuses any repeated Content-Length; net/http accepts identical ones"},
	{Name: "duplicate CL, different values", Raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 30\r\n\r\n{}GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"},
	{Name: "CL list", Raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\n{}"},
	{Name: "CL with plus", Raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +2\r\n\r\n{}"},
	{Name: "CL negative", Raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n{}"},
	{Name: "obs-fold", Raw: "POST / HTTP/1.1\r\nHost: a\r\nX-Amz-Target: AWSCognitoIdentityProviderService.SignUp\r\n InitiateAuth\r\nContent-Length: 2\r\n\r\n{}",
		Stricter: []string{"400 "}, Why: "fastserve refuses a folded header line (RFC 9112 5.2 lets a server refuse or unfold); net/http unfolds it, fasthttp alone could drop the field"},
	{Name: "obs-fold after an empty value, bare LF", Raw: "POST / HTTP/1.1\nHost: a\nX-A:\n b\n\n",
		Stricter: []string{"400 "}, Why: "as obs-fold (here fasthttp alone would have dropped X-A)"},
	{Name: "obs-fold with a tab", Raw: "POST / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\nContent-Length: 0\r\n\r\n",
		Stricter: []string{"400 "}, Why: "as obs-fold"},
	{Name: "bare CR", Raw: "POST / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "bare LF", Raw: "POST / HTTP/1.1\nHost: a\nContent-Length: 2\n\n{}",
		Stricter: []string{"400 "}, Why: "fasthttp requires CRLF line ends; net/http accepts bare LF (RFC 9112 2.2 allows either)"},
	{Name: "absolute-form", Raw: "POST http://evil.example/x?y=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "TE xchunked", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"},
	{Name: "TE list", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"},
	{Name: "TE identity", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\n{}GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"},
	{Name: "TE identity without Content-Length", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n{}"},
	{Name: "TE empty", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "TE twice", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{Name: "TE in capitals", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"},
	{Name: "TE on HTTP/1.0", Raw: "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
		Stricter: []string{"501 "}, Why: "fasthttp refuses a coding on HTTP/1.0 (RFC 9112 6.1: faulty framing); net/http ignores it and reads no body"},
	{Name: "chunk size not hex", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"},
	{Name: "chunk extension", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\n{}\r\n0\r\n\r\n"},
	{Name: "chunks with bare LF", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\n{}\n0\n\n"},
	{Name: "space before colon", Raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 2\r\n\r\n{}"},
	{Name: "NUL in value", Raw: "POST / HTTP/1.1\r\nHost: a\r\nX-A: b\x00c\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "no Host", Raw: "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "two Hosts", Raw: "POST / HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "bad header name", Raw: "POST / HTTP/1.1\r\nHost: a\r\nX(A): b\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "HTTP/2 preface", Raw: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		Stricter: []string{"400 "}, Why: "plain listeners speak HTTP/1.x; net/http hands the preface to the handler as a PRI request"},
	{Name: "HTTP/0.9", Raw: "GET /\r\n"},
	{Name: "Expect: 100-continue", Raw: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "Expect: 100-continue, HTTP/1.0", Raw: "POST / HTTP/1.0\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "Expect: 100-continue, no body", Raw: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n"},
	{Name: "Expect: other", Raw: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "HTTP/0.0", Raw: "POST / HTTP/0.0\r\n\r\n"},
	{Name: "HTTP/1.2 without Host", Raw: "POST / HTTP/1.2\r\nContent-Length: 0\r\n\r\n"},
	{Name: "space in a header name", Raw: "POST / HTTP/1.0\r\nX A: b\r\nContent-Length: 0\r\n\r\n"},
	{Name: "control character in a value", Raw: "POST / HTTP/1.1\r\nHost: a\r\nX-A: b\x01c\r\nContent-Length: 0\r\n\r\n"},
	{Name: "method not a token", Raw: "PO(ST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"},
	{Name: "Host not a host", Raw: "POST / HTTP/1.1\r\nHost: a b\r\nContent-Length: 0\r\n\r\n"},
	{Name: "HTTP/1.2", Raw: "POST / HTTP/1.2\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "lower-case method", Raw: "post / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "header case", Raw: "POST / HTTP/1.1\r\nhost: a\r\nx-amz-target: t\r\nX-AMZ-TARGET: u\r\ncontent-length: 2\r\n\r\n{}"},
	{Name: "repeated X-Forwarded-For", Raw: "POST / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-For: 5.6.7.8, 9.9.9.9\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "tabs around a value", Raw: "POST / HTTP/1.1\r\nHost: a\r\nX-A:\t b \t\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "cookies", Raw: "POST / HTTP/1.1\r\nHost: a\r\nCookie: a=1; b=2\r\nCookie: c=3\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "query and escapes", Raw: "POST /a%2Fb?x=%41&y HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"},
	{Name: "body longer than CL", Raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n{}",
		Stricter: []string{"200 POST /  host=\"a\" proto=HTTP/1.1 cl=1 te=[] body=\"{\" err=false\nContent-Length=[\"1\"]\n", "400 "},
		Why:      "the bytes past the body are the next request: fasthttp answers their unfinished request line 400, net/http closes without a word"},
	{Name: "body shorter than CL", Raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\n{}",
		Stricter: []string{"400 "}, Why: "fasthttp refuses a body the client cut short before the handler runs (its own 400); net/http gives the handler the short body and a read error, which the proxy answers in Cognito's shape"},
	{Name: "header after Transfer-Encoding", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n2\r\n{}\r\n0\r\n\r\n"},
	{Name: "HTTP/1.0 without Host", Raw: "POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "HTTP/1.0 absolute-form without Host", Raw: "POST http://b/x HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "empty Host", Raw: "POST / HTTP/1.1\r\nHost:\r\nContent-Length: 2\r\n\r\n{}",
		Stricter: []string{"400 "}, Why: "fasthttp refuses an empty Host; net/http accepts it (RFC 9112 3.2 allows it when the target has no authority)"},
	{Name: "Host with a port", Raw: "POST / HTTP/1.1\r\nHost: a:8080\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "empty Expect", Raw: "POST / HTTP/1.1\r\nHost: a\r\nExpect:\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "Expect: 100-continue, then another", Raw: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "Expect: another, then 100-continue", Raw: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "Expect: 100-continue in capitals", Raw: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "Expect list", Raw: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, 200-ok\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "Expect: other, no body", Raw: "GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n"},
	{Name: "asterisk-form", Raw: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"},
	{Name: "asterisk-form, another method", Raw: "GET * HTTP/1.1\r\nHost: a\r\n\r\n",
		Stricter: []string{"400 "}, Why: "fasthttp refuses * but for OPTIONS (RFC 9112 3.2.4); net/http hands the handler a GET of path *"},
	{Name: "OPTIONS with a path", Raw: "OPTIONS / HTTP/1.1\r\nHost: a\r\n\r\n"},
	{Name: "target without a slash", Raw: "GET a HTTP/1.1\r\nHost: a\r\n\r\n"},
	{Name: "authority-form", Raw: "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"},
	{Name: "HTTP/1.10", Raw: "GET / HTTP/1.10\r\nHost: a\r\n\r\n"},
	{Name: "HTTP/2.0", Raw: "GET / HTTP/2.0\r\nHost: a\r\n\r\n"},
	{Name: "lower-case version", Raw: "GET / http/1.1\r\nHost: a\r\n\r\n"},
	{Name: "GET with a body", Raw: "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "GET without a body", Raw: "GET / HTTP/1.1\r\nHost: a\r\n\r\n"},
	{Name: "chunked body cut short", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{}"},
	{Name: "HTTP/1.0 keep-alive", Raw: "POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\nPOST /2 HTTP/1.0\r\nContent-Length: 0\r\n\r\n"},
	{Name: "HTTP/1.0 without keep-alive", Raw: "POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\nPOST /2 HTTP/1.0\r\nContent-Length: 0\r\n\r\n"},
	{Name: "announced trailer", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTrailer: X-T\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: 1\r\n\r\n"},
	{Name: "trailer announced without chunks", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTrailer: X-T\r\nContent-Length: 2\r\n\r\n{}"},
	{Name: "trailer not announced", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: 1\r\n\r\n"},
	{Name: "userinfo in absolute-form", Raw: "POST http://a@b/x HTTP/1.1\r\nHost: b\r\nContent-Length: 0\r\n\r\n",
		Stricter: []string{"400 "}, Why: "fasthttp refuses userinfo in the target (RFC 9110 4.2.4 forbids it in http URIs); net/http takes the host after it"},
	{Name: "two Content-Types", Raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Type: a\r\nContent-Type: b\r\nContent-Length: 0\r\n\r\n",
		Stricter: []string{"400 "}, Why: "fasthttp refuses conflicting Content-Types; net/http hands both to the handler"},
	{Name: "two equal Content-Types", Raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Type: a\r\nContent-Type: a\r\nContent-Length: 0\r\n\r\n"},
	{Name: "CL with leading zeros", Raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 002\r\n\r\n{}"},
	{Name: "CL too large", Raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n{}"},
	{Name: "fragment in the target", Raw: "POST /a#b HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"},
	{Name: "bad escape in the path", Raw: "POST /%zz HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"},
	{Name: "forbidden trailer", Raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nHost: b\r\n\r\n",
		Stricter: []string{"400 "}, Why: "fasthttp refuses a trailer that may not be one (Host, Content-Length, ...); net/http drops it"}}
