package upclient

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadHead(t *testing.T) {
	tests := []struct {
		name, in    string
		ok          bool
		status      int
		length      int64
		chunked     bool
		close       bool
		header, val string
	}{
		{"cognito", "HTTP/1.1 200 OK\r\nDate: x\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\nx-amzn-RequestId: r\r\n\r\n", true, 200, 2, false, false, "X-Amzn-Requestid", "r"},
		{"error", "HTTP/1.1 400 Bad Request\r\nx-amzn-ErrorType: NotAuthorizedException:\r\ncontent-length: 10\r\n\r\n", true, 400, 10, false, false, "X-Amzn-Errortype", "NotAuthorizedException:"},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true, 200, -1, true, false, "", ""},
		{"close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", true, 200, 0, false, true, "", ""},
		{"until EOF", "HTTP/1.1 200 OK\r\n\r\n", true, 200, -1, false, true, "", ""},
		{"bare LF", "HTTP/1.1 204 No Content\nA: b\n\n", true, 204, 0, false, false, "A", "b"},
		{"skips 100", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", true, 200, 1, false, false, "", ""},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"length and chunked", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"gzip transfer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"folding", "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"not http", "SSH-2.0-x\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"no colon", "HTTP/1.1 200 OK\r\nnocolon\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"truncated", "HTTP/1.1 200 OK\r\nA: b\r\n", false, 0, 0, false, false, "", ""},
		// RFC 9112 as net/http reads it, and stricter where leniency smuggles.
		{"HTTP/1.0 never keeps alive", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", true, 200, 2, false, true, "", ""},
		{"HTTP/1.0 asking to keep alive still closes", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n", true, 200, 2, false, true, "", ""},
		{"HTTP/1.0 chunked is not decoded", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true, 200, -1, false, true, "", ""},
		{"close among tokens", "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n", true, 200, 0, false, true, "", ""},
		{"keep-alive alone", "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true, 200, 0, false, false, "", ""},
		{"five interim answers", strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 5) + "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", true, 200, 1, false, false, "", ""},
		{"six interim answers", strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 6) + "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"plus sign length", "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"same length twice", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"length list", "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"bare CR in value", "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"bare CR in name", "HTTP/1.1 200 OK\r\nA\rB: c\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"NUL in value", "HTTP/1.1 200 OK\r\nA: b\x00\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"NUL in name", "HTTP/1.1 200 OK\r\nA\x00: b\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"protocol switch", "HTTP/1.1 101 Switching Protocols\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"HTTP/1.5", "HTTP/1.5 200 OK\r\nContent-Length: 1\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"token letters and digits to the ends of their ranges", "HTTP/1.1 200 OK\r\nX-AZaz09: v\r\nContent-Length: 0\r\n\r\n", true, 200, 0, false, false, "X-Azaz09", "v"},
		{"token punctuation", "HTTP/1.1 200 OK\r\n!#$%&'*+-.^_`|~: v\r\nContent-Length: 0\r\n\r\n", true, 200, 0, false, false, "!#$%&'*+-.^_`|~", "v"},
		{"value trimmed of spaces and tabs", "HTTP/1.1 200 OK\r\nA: \t b c \t \r\nContent-Length: 0\r\n\r\n", true, 200, 0, false, false, "A", "b c"},
		{"status with a 9", "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n", true, 429, 0, false, false, "", ""},
		{"status below 100 is no interim answer", "HTTP/1.1 099 OK\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"status line cut short", "HTTP/1.1 20\r\nContent-Length: 0\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"no space after the version", "HTTP/1.1-200 OK\r\nContent-Length: 0\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"a coding as long as chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunkxd\r\n\r\n", false, 0, 0, false, false, "", ""},
		{"trailer names a length", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Content-Length\r\n\r\n", false, 0, 0, false, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hd := head{header: http.Header{}}
			err := readHead(bufio.NewReader(strings.NewReader(tt.in)), &hd)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if !tt.ok {
				return
			}
			if hd.status != tt.status || hd.length != tt.length || hd.chunked != tt.chunked || hd.close != tt.close {
				t.Fatalf("head %+v", hd)
			}
			if tt.header != "" && hd.header.Get(tt.header) != tt.val {
				t.Fatalf("%s = %q in %v", tt.header, hd.header.Get(tt.header), hd.header)
			}
		})
	}
}

func TestHeadBodyFraming(t *testing.T) {
	in := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nNEXT"
	br := bufio.NewReader(strings.NewReader(in))
	hd := head{header: http.Header{}}
	if err := readHead(br, &hd); err != nil {
		t.Fatal(err)
	}
	var lr lengthBody
	body, err := io.ReadAll(hd.body(br, &lr))
	if err != nil || string(body) != "abc" {
		t.Fatalf("body %q, %v", body, err)
	}
	rest, _ := io.ReadAll(br)
	if string(rest) != "NEXT" {
		t.Fatalf("the chunked body did not end where it should: rest %q", rest)
	}
}

// An answer's header section is bounded at maxHeadBytes, however its
// lines are cut.
func TestHeadSizeBound(t *testing.T) {
	line := "X-Filler: " + strings.Repeat("a", 4000) + "\r\n" // 4010 bytes counted
	for _, tt := range []struct {
		lines int
		ok    bool
	}{{maxHeadBytes / 4010, true}, {maxHeadBytes/4010 + 1, false}, {1000, false}} {
		in := "HTTP/1.1 200 OK\r\n" + strings.Repeat(line, tt.lines) + "Content-Length: 0\r\n\r\n"
		hd := head{header: http.Header{}}
		err := readHead(bufio.NewReaderSize(strings.NewReader(in), 8<<10), &hd)
		if (err == nil) != tt.ok {
			t.Errorf("%d bytes of fields: err = %v, want ok=%v", tt.lines*4010, err, tt.ok)
		}
	}
	// Exactly maxHeadBytes of fields pass; one more byte does not.
	fields := strings.Repeat(line, maxHeadBytes/4010)
	pad := maxHeadBytes - maxHeadBytes/4010*4010 - len("Content-Length: 0") - len("X-Pad: ")
	for _, extra := range []int{0, 1} {
		in := "HTTP/1.1 200 OK\r\n" + fields + "X-Pad: " + strings.Repeat("a", pad+extra) + "\r\nContent-Length: 0\r\n\r\n"
		hd := head{header: http.Header{}}
		err := readHead(bufio.NewReaderSize(strings.NewReader(in), 8<<10), &hd)
		if (err == nil) != (extra == 0) {
			t.Errorf("%d bytes of fields: err = %v", maxHeadBytes+extra, err)
		}
	}
}

// A body the connection cuts short is an error, never a clean end: a
// short Content-Length body, a chunked body cut inside or between chunks,
// and a trailer section cut before its blank line.
func TestBodyCutIsAnError(t *testing.T) {
	for name, in := range map[string]string{
		"short length":     "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",
		"mid chunk":        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nabc",
		"between chunks":   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
		"after last chunk": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n",
		"inside trailer":   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n",
		"trailer no CRLFs": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\n\n",
	} {
		t.Run(name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(in))
			hd := head{header: http.Header{}}
			if err := readHead(br, &hd); err != nil {
				t.Fatal(err)
			}
			var lb lengthBody
			if body, err := io.ReadAll(hd.body(br, &lb)); err == nil {
				t.Fatalf("a cut body read as complete: %q", body)
			}
		})
	}
}

// A Content-Length body ends exactly at its length, however the
// connection hands it over: in pieces, with io.EOF beside its last bytes,
// or all at once. The read that completes it reports io.EOF with the data
// (so that Response.Ended holds and the connection can be reused), and a
// body at its end reads nothing more from the connection.
func TestLengthBody(t *testing.T) {
	for name, r := range map[string]io.Reader{
		"one byte a read":   iotest.OneByteReader(strings.NewReader("hello NEXT")),
		"EOF with the data": iotest.DataErrReader(strings.NewReader("hello")),
		"all at once":       strings.NewReader("hello NEXT"),
	} {
		lb := lengthBody{r: r, n: 5}
		if body, err := io.ReadAll(&lb); string(body) != "hello" || err != nil {
			t.Errorf("%s: body %q, %v; want hello", name, body, err)
		}
	}
	lb := lengthBody{r: strings.NewReader("hello NEXT"), n: 5}
	if n, err := lb.Read(make([]byte, 64)); n != 5 || err != io.EOF {
		t.Errorf("the read that completes the body: %d, %v; want 5, EOF", n, err)
	}
	lb = lengthBody{r: iotest.ErrReader(errors.New("read past the body")), n: 0}
	if n, err := lb.Read(make([]byte, 64)); n != 0 || err != io.EOF {
		t.Errorf("a read at the end: %d, %v; want 0, EOF", n, err)
	}
}

// A trailer field that net/textproto refuses makes the body fail with the
// error net/http gives for it, never io.ErrUnexpectedEOF: the proxy logs
// the error ("upstream answer malformed"), and a malformed answer must not
// read there as a connection cut short.
func TestMalformedTrailerError(t *testing.T) {
	in := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nno colon\r\n\r\n"
	br := bufio.NewReader(strings.NewReader(in))
	hd := head{header: http.Header{}}
	if err := readHead(br, &hd); err != nil {
		t.Fatal(err)
	}
	var lb lengthBody
	_, err := io.ReadAll(hd.body(br, &lb))
	resp, stdErr := http.ReadResponse(bufio.NewReader(strings.NewReader(in)), nil)
	if stdErr == nil {
		_, stdErr = io.ReadAll(resp.Body)
	}
	if err == nil || stdErr == nil || errors.Is(err, io.ErrUnexpectedEOF) || err.Error() != stdErr.Error() {
		t.Fatalf("body error %v, want net/http's: %v", err, stdErr)
	}
}

func FuzzReadHead(f *testing.F) {
	f.Add("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
	f.Add("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 500 x\r\n\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		hd := head{header: http.Header{}}
		br := bufio.NewReader(strings.NewReader(in))
		if readHead(br, &hd) != nil {
			return
		}
		if hd.status < 200 || hd.status > 999 || hd.chunked && hd.length >= 0 {
			t.Fatalf("accepted an impossible head: %+v", hd)
		}
		var lr lengthBody
		_, _ = io.Copy(io.Discard, hd.body(br, &lr))
	})
}
