package fastserve_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/edge/fastserve"
	"github.com/poolguard/poolguard/internal/testkit/servetest"
)

// echo answers what it was given: the method, target, host, body and
// headers as the handler saw them; 400 when the body could not be read.
func echo(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s %s %s host=%q proto=%s cl=%d te=%q body=%q err=%v\n", r.Method, r.URL.Path, r.URL.RawQuery, r.Host, r.Proto, r.ContentLength, r.TransferEncoding, b, err != nil)
	for _, k := range keys {
		fmt.Fprintf(&sb, "%s=%q\n", k, r.Header[k])
	}
	w.Header().Set("Content-Type", "text/plain")
	if err != nil { // as the proxy does: a body that cannot be read is refused
		w.WriteHeader(http.StatusBadRequest)
	}
	_, _ = io.WriteString(w, sb.String())
}

// servers starts the echo handler on net/http and on fastserve, on fresh
// loopback listeners, until the test ends.
func servers(t testing.TB, o fastserve.Options) map[string]string {
	t.Helper()
	out := map[string]string{}
	ln1, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	std := &http.Server{Handler: http.HandlerFunc(echo), ReadTimeout: o.ReadTimeout, MaxHeaderBytes: o.MaxHeaderBytes}
	go func() { _ = std.Serve(ln1) }()
	t.Cleanup(func() { _ = std.Close() })
	out["net/http"] = ln1.Addr().String()
	out["fasthttp"] = strings.TrimPrefix(servetest.ServeFast(t, http.HandlerFunc(echo), o).URL, "http://")
	return out
}

// TestParity sends each case to net/http and to fastserve, both serving a
// handler that echoes the request it was given: the answers must be the
// same, or fastserve's must be the stricter one the case names.
func TestParity(t *testing.T) {
	srv := servers(t, fastserve.Options{})
	for _, c := range servetest.FramingCases {
		t.Run(c.Name, func(t *testing.T) {
			std := servetest.Exchange(t, srv["net/http"], c.Raw)
			fast := servetest.Exchange(t, srv["fasthttp"], c.Raw)
			want := std
			if c.Stricter != nil {
				want = c.Stricter
				if fmt.Sprint(std) == fmt.Sprint(fast) {
					t.Logf("net/http now answers as fasthttp (%s): the row can go", c.Why)
				}
			}
			if fmt.Sprint(fast) != fmt.Sprint(want) {
				t.Errorf("fasthttp answered\n %q\nwant\n %q\n(net/http: %q)", fast, want, std)
			}
			if c.Stricter == nil && len(fast) > len(std) {
				t.Errorf("fasthttp answered more requests than net/http: %q", fast)
			}
		})
	}
}

// FuzzParity sends arbitrary bytes to both servers (seeded with the
// framing cases): fasthttp may refuse what net/http accepts, but every
// request it accepts must be one net/http accepts too and the handler must
// see it the same way; a difference is a way around the proxy's view of a
// request.
func FuzzParity(f *testing.F) {
	for _, c := range servetest.FramingCases {
		f.Add(c.Raw)
	}
	srv := servers(f, fastserve.Options{})
	f.Fuzz(func(t *testing.T, raw string) {
		// fasthttp ignores empty lines before the request line, as RFC
		// 9112 2.2 asks of a server; net/http refuses them (400). Compare
		// what each makes of the request itself.
		std := servetest.Exchange(t, srv["net/http"], strings.TrimLeft(raw, "\r\n"))
		fast := servetest.Exchange(t, srv["fasthttp"], raw)
		// The first request is compared strictly; after it, where net/http
		// refused a request and closed, fasthttp may have read on (an
		// empty line between pipelined requests, which RFC 9112 2.2 lets
		// a server skip): a request only fasthttp reads still gets the
		// whole proxy, and any header the fuzzer puts in a later request
		// it can put in the first.
		stopped := false
		for i, a := range fast {
			if i < len(std) && refusal(std[i]) {
				stopped = true
			}
			switch {
			case refusal(a), i < len(std) && std[i] == a:
			case i > 0 && (stopped || i >= len(std)):
			default:
				t.Fatalf("fasthttp answer %d is %q; net/http answered %q", i, a, std)
			}
		}
	})
}

func refusal(answer string) bool { return answer >= "400" && answer < "600" }
