package fastserve_test

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/fastserve"
	"github.com/poolguard/poolguard/internal/testkit/servetest"
)

// serveBoth serves h on net/http and on fastserve, on fresh loopback
// listeners, until the test ends, and returns their addresses by name.
func serveBoth(t testing.TB, h http.Handler, o fastserve.Options) map[string]string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	std := &http.Server{Handler: h, ReadTimeout: o.ReadTimeout, MaxHeaderBytes: o.MaxHeaderBytes,
		ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = std.Serve(l) }()
	t.Cleanup(func() { _ = std.Close() })
	return map[string]string{
		"net/http": l.Addr().String(),
		"fasthttp": strings.TrimPrefix(servetest.ServeFast(t, h, o).URL, "http://"),
	}
}

// framing names the answer headers each server writes itself (the body's
// framing, the date), left out when answers are compared.
var framing = []string{"Date", "Transfer-Encoding"}

// answers writes raw, requests of one method, to addr, half-closes, and
// returns each final answer (1xx left out) as its status, its headers but the framing ones, sorted,
// and its body, until the server closes.
func answers(t testing.TB, addr, raw string) []string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second)) // a bound for the test, not a timed assertion
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	_ = c.(*net.TCPConn).CloseWrite()
	br := bufio.NewReader(c)
	req := &http.Request{Method: raw[:strings.IndexByte(raw, ' ')]} // for HEAD: answers without bodies
	var got []string
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return got
		}
		if resp.StatusCode/100 == 1 {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var sb strings.Builder
		fmt.Fprintf(&sb, "%d", resp.StatusCode)
		keys := make([]string, 0, len(resp.Header))
		for k := range resp.Header {
			if !slices.Contains(framing, k) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&sb, " %s=%q", k, resp.Header[k])
		}
		fmt.Fprintf(&sb, " body=%q", b)
		got = append(got, sb.String())
	}
}

// TestAnswerParity serves handlers that answer in every way a
// ResponseWriter allows on net/http and on fastserve: each server must
// send the same answers (status, headers but the framing ones, body) to
// two pipelined requests, keep or close the connection alike, and give
// the handler the same error from Write.
func TestAnswerParity(t *testing.T) {
	for _, c := range []struct {
		// name states the rule; a name starting "HEAD:" sends HEAD
		// requests, any other GET.
		name string
		// h answers; what it returns is the error of its last Write.
		h func(w http.ResponseWriter, r *http.Request) error
	}{
		{"HEAD: the body's length goes out", func(w http.ResponseWriter, r *http.Request) error {
			_, err := io.WriteString(w, "{}")
			return err
		}},
		{"204 with a Content-Length", func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Length", "2")
			w.WriteHeader(http.StatusNoContent)
			return nil
		}},
		{"304 with a Content-Length", func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Length", "2")
			w.WriteHeader(http.StatusNotModified)
			return nil
		}},
		{"the handler's Content-Length", func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Length", "2")
			_, err := io.WriteString(w, "{}")
			return err
		}},
		{"headers set without a write go out with a 200", func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("X-A", "1")
			w.Header().Add("X-A", "2")
			w.Header().Set("Set-Cookie", "a=1")
			return nil
		}},
		{"the handler's Server goes out", func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Server", "Server")
			return nil
		}},
		{"WriteHeader(200) sends the headers", func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("X-A", "1")
			w.WriteHeader(http.StatusOK)
			return nil
		}},
		{"headers set after WriteHeader are not sent", func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("X-A", "1")
			w.WriteHeader(http.StatusCreated)
			w.Header().Set("X-B", "2")
			_, err := io.WriteString(w, "{}")
			return err
		}},
		{"a second WriteHeader is ignored", func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(http.StatusCreated)
			w.WriteHeader(http.StatusInternalServerError)
			return nil
		}},
		{"headers set after a Write are not sent", func(w http.ResponseWriter, r *http.Request) error {
			_, err := io.WriteString(w, "{}")
			w.Header().Set("X-B", "2")
			w.WriteHeader(http.StatusInternalServerError)
			return err
		}},
		{"100 is informational, not the answer", func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(http.StatusContinue)
			_, err := io.WriteString(w, "{}")
			return err
		}},
		{"an informational status is not the answer", func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusAccepted)
			return nil
		}},
		{"199 is informational", func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(199)
			w.WriteHeader(http.StatusAccepted)
			return nil
		}},
		{"999 is a status", func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(999)
			return nil
		}},
		{"status 99 panics: the connection closes without an answer", func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(99)
			return nil
		}},
		{"status 1000 panics: the connection closes without an answer", func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(1000)
			return nil
		}},
		{"the Content-Type is sniffed from the body", func(w http.ResponseWriter, r *http.Request) error {
			_, err := io.WriteString(w, "<html><body>x</body></html>")
			return err
		}},
		{"the Content-Type is sniffed after an explicit WriteHeader too", func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(http.StatusOK)
			_, err := io.WriteString(w, "<html><body>x</body></html>")
			return err
		}},
		{"the Content-Type is sniffed from the whole body, not its first Write", func(w http.ResponseWriter, r *http.Request) error {
			_, _ = io.WriteString(w, "<ht")
			_, err := io.WriteString(w, "ml><body>x</body></html>")
			return err
		}},
		{"an empty Write does not stop the sniffing", func(w http.ResponseWriter, r *http.Request) error {
			_, _ = w.Write(nil)
			_, err := io.WriteString(w, "<html><body>x</body></html>")
			return err
		}},
		{"an empty write sniffs nothing", func(w http.ResponseWriter, r *http.Request) error {
			_, err := w.Write(nil)
			return err
		}},
		{"a nil Content-Type stops the sniffing", func(w http.ResponseWriter, r *http.Request) error {
			w.Header()["Content-Type"] = nil
			_, err := io.WriteString(w, "<html><body>x</body></html>")
			return err
		}},
		{"the handler's Content-Type", func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			_, err := io.WriteString(w, "<html><body>x</body></html>")
			return err
		}},
		{"204 sends no body: Write fails", func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(http.StatusNoContent)
			_, err := io.WriteString(w, "<html><body>x</body></html>")
			return err
		}},
		{"304 sends no body: Write fails", func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(http.StatusNotModified)
			_, err := io.WriteString(w, "<html><body>x</body></html>")
			return err
		}},
		{"Connection: close from the handler ends the connection", func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Connection", "close")
			_, err := io.WriteString(w, r.URL.Path)
			return err
		}},
		{"a Connection header of other tokens goes out", func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Connection", "x-a")
			_, err := io.WriteString(w, r.URL.Path)
			return err
		}},
		{"Connection: keep-alive from the handler keeps it", func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Connection", "keep-alive")
			_, err := io.WriteString(w, r.URL.Path)
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			errs := make(chan error, 4)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				errs <- c.h(w, r) // a handler that panics sends nothing
			})
			srv := serveBoth(t, h, fastserve.Options{})
			method := http.MethodGet
			if strings.HasPrefix(c.name, "HEAD:") {
				method = http.MethodHead
			}
			two := method + " /1 HTTP/1.1\r\nHost: a\r\n\r\n" + method + " /2 HTTP/1.1\r\nHost: a\r\n\r\n"
			got := map[string][]string{}
			gotErr := map[string][]error{}
			for _, name := range []string{"net/http", "fasthttp"} {
				got[name] = answers(t, srv[name], two)
				for n := len(errs); n > 0; n-- {
					gotErr[name] = append(gotErr[name], <-errs)
				}
			}
			if fmt.Sprint(got["fasthttp"]) != fmt.Sprint(got["net/http"]) {
				t.Errorf("fasthttp answered\n %q\nnet/http\n %q", got["fasthttp"], got["net/http"])
			}
			if fmt.Sprint(gotErr["fasthttp"]) != fmt.Sprint(gotErr["net/http"]) {
				t.Errorf("Write returned %v on fasthttp, %v on net/http", gotErr["fasthttp"], gotErr["net/http"])
			}
		})
	}
}

// Of several Content-Type values a handler sets, the first goes out:
// fasthttp sends one (net/http would send each).
func TestFirstContentType(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json", "text/html"}
		_, _ = io.WriteString(w, "{}")
	})
	srv := servetest.ServeFast(t, h, fastserve.Options{})
	got := answers(t, strings.TrimPrefix(srv.URL, "http://"), "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	if want := `200 Content-Length=["2"] Content-Type=["application/json"] body="{}"`; len(got) != 1 || got[0] != want {
		t.Errorf("answered %q, want %q", got, want)
	}
}
