package upclient

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// reading is what a parser made of an upstream answer.
type reading struct {
	ok     bool
	status int
	body   []byte
	end    int // bytes the answer took; -1 when its body runs to the end
	close  bool
}

// readOurs reads in with the proxy's upstream parser.
func readOurs(in []byte) reading {
	rd := bytes.NewReader(in)
	br := bufio.NewReaderSize(rd, 8<<10) // as upConn's
	hd := head{header: http.Header{}}
	if readHead(br, &hd) != nil {
		return reading{}
	}
	var lb lengthBody
	body, err := io.ReadAll(hd.body(br, &lb))
	if err != nil {
		return reading{}
	}
	r := reading{ok: true, status: hd.status, body: body, close: hd.close, end: len(in) - rd.Len() - br.Buffered()}
	if !hd.chunked && hd.length < 0 {
		r.end = -1
	}
	return r
}

// readStd reads in with net/http.ReadResponse, skipping informational
// answers as http.Transport does (bounded by the same count as the proxy),
// and returns each head's bytes as read.
func readStd(in []byte) (reading, [][]byte) {
	rd := bytes.NewReader(in)
	br := bufio.NewReaderSize(rd, 8<<10)
	var heads [][]byte
	consumed := func() int { return len(in) - rd.Len() - br.Buffered() }
	for interim := 0; ; interim++ {
		start := consumed()
		resp, err := http.ReadResponse(br, nil)
		heads = append(heads, in[start:consumed()])
		if err != nil {
			return reading{}, heads
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != 101 {
			if interim == maxInterim {
				return reading{}, heads
			}
			continue
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return reading{}, heads
		}
		r := reading{ok: true, status: resp.StatusCode, body: body, close: resp.Close, end: consumed()}
		if resp.ContentLength < 0 && len(resp.TransferEncoding) == 0 {
			r.end = -1
		}
		return r, heads
	}
}

// stricterByDesign reports why the proxy may refuse an answer net/http
// accepts: each reason is a reading RFC 9112 allows a recipient to refuse
// and that a smuggling attempt relies on. heads are the heads net/http read.
func stricterByDesign(heads [][]byte, in []byte) string {
	if len(in) > maxHeadBytes {
		return "head over the size bound"
	}
	for _, h := range heads {
		lines := strings.Split(string(h), "\n")
		status := strings.TrimSuffix(lines[0], "\r")
		if len(status) < 12 || !strings.HasPrefix(status, "HTTP/1.0 ") && !strings.HasPrefix(status, "HTTP/1.1 ") {
			return "HTTP version other than 1.0 and 1.1"
		}
		if strings.Trim(status[9:12], "0123456789") != "" || status[9:12] < "100" || status[9:12] == "101" {
			return "status code not 1xx-9xx, or a protocol switch"
		}
		var lengths, tes int
		for _, l := range lines[1:] {
			if len(l) >= 8<<10-1 {
				return "line over the read buffer"
			}
			l = strings.TrimSuffix(l, "\r")
			if l == "" {
				continue
			}
			if l[0] == ' ' || l[0] == '\t' {
				return "obsolete line folding"
			}
			name, val, _ := strings.Cut(l, ":")
			if strings.ContainsAny(name, " \t") {
				return "whitespace before a colon"
			}
			switch http.CanonicalHeaderKey(name) {
			case "Content-Length":
				lengths++
				if strings.Trim(strings.Trim(val, " \t"), "0123456789") != "" || strings.Trim(val, " \t") == "" {
					return "Content-Length not 1*DIGIT where net/http ignores it"
				}
			case "Transfer-Encoding":
				tes++
			}
		}
		if lengths > 1 || tes > 1 || lengths > 0 && tes > 0 {
			return "repeated or conflicting framing headers"
		}
	}
	return ""
}

// FuzzUpstreamParser feeds the same bytes to the proxy's upstream parser
// and to net/http.ReadResponse (reading the body) and fails when they
// disagree on whether the answer is valid, on its status and body, or on
// where it ends; the proxy may refuse more (stricterByDesign) and may close
// more connections, never fewer. Its seed corpus (testdata/fuzz) holds
// every divergence found so far and runs with go test.
func FuzzUpstreamParser(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		ours := readOurs(in)
		std, heads := readStd(in)
		switch {
		case ours.ok && !std.ok:
			t.Fatalf("the proxy accepts what net/http refuses: %+v", ours)
		case !ours.ok && std.ok:
			if why := stricterByDesign(heads, in); why == "" {
				t.Fatalf("the proxy refuses what net/http accepts, for no listed reason: %+v", std)
			}
		case ours.ok:
			if ours.status != std.status || !bytes.Equal(ours.body, std.body) || ours.end != std.end {
				t.Fatalf("readings differ:\nproxy    %+v\nnet/http %+v", ours, std)
			}
			if std.close && !ours.close {
				t.Fatalf("the proxy would reuse a connection net/http closes: %+v", ours)
			}
		}
	})
}
