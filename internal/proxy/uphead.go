package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"strconv"
)

// maxHeadBytes bounds an upstream answer's status line and headers.
const maxHeadBytes = 64 << 10

var errBadHead = errors.New("malformed upstream response head")

// head is an upstream answer's status line and headers, parsed into a map
// the caller reuses.
type head struct {
	status  int
	header  http.Header
	length  int64 // -1 when unknown
	chunked bool
	close   bool // the connection cannot be reused after this answer
}

// readHead reads one answer's head from br into hd.header (which it
// clears). Informational (1xx) answers are skipped. It rejects what a
// lenient parser would guess at: obsolete line folding, a Content-Length
// that is not one number, and both Content-Length and Transfer-Encoding.
func readHead(br *bufio.Reader, hd *head) error {
	for {
		clear(hd.header)
		*hd = head{header: hd.header, length: -1}
		if err := readStatus(br, hd); err != nil {
			return err
		}
		if err := readFields(br, hd); err != nil {
			return err
		}
		if hd.status >= 200 {
			return nil
		}
	}
}

func readStatus(br *bufio.Reader, hd *head) error {
	line, err := readLine(br)
	if err != nil {
		return err
	}
	// HTTP/1.1 200 OK
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return errBadHead
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil || code < 100 || code > 999 || len(line) > 12 && line[12] != ' ' {
		return errBadHead
	}
	hd.status = code
	hd.close = line[7] == '0' // HTTP/1.0 closes unless told otherwise; not from Cognito
	return nil
}

// readFields reads header lines up to the blank line.
func readFields(br *bufio.Reader, hd *head) error {
	seen := 0
	for {
		line, err := readLine(br)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			return checkFraming(hd)
		}
		if seen += len(line); seen > maxHeadBytes {
			return fmt.Errorf("upstream response head over %d bytes", maxHeadBytes)
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || line[0] == ' ' || line[0] == '\t' {
			return errBadHead // no name, or obsolete line folding
		}
		key := canonicalKey(bytes.TrimRight(line[:colon], " \t"))
		val := string(bytes.TrimSpace(line[colon+1:]))
		if err := frame(hd, key, val); err != nil {
			return err
		}
		hd.header[key] = append(hd.header[key], val)
	}
}

// frame notes the headers that decide where the body ends.
func frame(hd *head, key, val string) error {
	switch key {
	case "Content-Length":
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil || n < 0 || hd.length >= 0 && hd.length != n {
			return errBadHead
		}
		hd.length = n
	case "Transfer-Encoding":
		if !asciiEqualFold(val, "chunked") {
			return errBadHead // only chunked is understood
		}
		hd.chunked = true
	case "Connection":
		if asciiEqualFold(val, "close") {
			hd.close = true
		}
	}
	return nil
}

func checkFraming(hd *head) error {
	if hd.chunked && hd.length >= 0 {
		return errBadHead
	}
	if hd.status == http.StatusNoContent || hd.status == http.StatusNotModified {
		hd.length, hd.chunked = 0, false
	}
	if !hd.chunked && hd.length < 0 {
		hd.close = true // the body runs to the end of the connection
	}
	return nil
}

// body returns the reader for the answer's body.
func (hd *head) body(br *bufio.Reader, lr *io.LimitedReader) io.Reader {
	switch {
	case hd.chunked:
		return &chunkedBody{r: httputil.NewChunkedReader(br), br: br}
	case hd.length >= 0:
		*lr = io.LimitedReader{R: br, N: hd.length}
		return lr
	}
	return br
}

// readLine returns a line without its CRLF (or LF); the slice is valid
// until the next read.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("upstream response header line too long")
	}
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// canonicalKey returns the canonical form of a header name, without
// allocating for the names Cognito sends.
func canonicalKey(b []byte) string {
	switch string(b) {
	case "Content-Type", "content-type":
		return "Content-Type"
	case "Content-Length", "content-length":
		return "Content-Length"
	case "Date", "date":
		return "Date"
	case "Connection", "connection":
		return "Connection"
	case "x-amzn-RequestId", "X-Amzn-Requestid", "x-amzn-requestid":
		return "X-Amzn-Requestid"
	case "x-amzn-ErrorType", "X-Amzn-Errortype", "x-amzn-errortype":
		return "X-Amzn-Errortype"
	case "x-amzn-ErrorMessage", "X-Amzn-Errormessage", "x-amzn-errormessage":
		return "X-Amzn-Errormessage"
	case "Transfer-Encoding", "transfer-encoding":
		return "Transfer-Encoding"
	case "Keep-Alive", "keep-alive":
		return "Keep-Alive"
	}
	return textproto.CanonicalMIMEHeaderKey(string(b))
}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}

// chunkedBody reads a chunked body and then its trailer section, so that
// the connection is positioned at the next answer when it reports EOF.
type chunkedBody struct {
	r  io.Reader
	br *bufio.Reader
}

func (c *chunkedBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != io.EOF {
		return n, err
	}
	for seen := 0; ; { // trailer fields (ignored) up to the blank line
		line, lerr := readLine(c.br)
		if lerr != nil {
			return n, lerr
		}
		if len(line) == 0 {
			return n, io.EOF
		}
		if seen += len(line); seen > maxHeadBytes {
			return n, errBadHead
		}
	}
}
