package upclient

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
	"strings"
)

// maxHeadBytes bounds an upstream answer's header section (and each
// informational answer's).
const maxHeadBytes = 64 << 10

// maxInterim bounds how many informational (1xx) answers may precede the
// final one, as net/http's Transport bounds them.
const maxInterim = 5

var (
	errBadHead     = errors.New("malformed upstream response head")
	errTooManyInfo = errors.New("too many informational upstream answers")
	errLongTrailer = errors.New("upstream chunked trailer too long")
)

// head is an upstream answer's status line and headers, parsed into a map
// the caller reuses.
type head struct {
	status  int
	http10  bool
	header  http.Header
	length  int64 // -1 when unknown
	chunked bool
	close   bool // the connection cannot be reused after this answer
	lengths int  // Content-Length fields seen
	tes     int  // Transfer-Encoding fields seen
}

// readHead reads one answer's head from br into hd.header (which it
// clears), following RFC 9112 as net/http reads a response, and stricter
// where a lenient reading is a smuggling risk. Up to maxInterim
// informational (1xx) answers are skipped. It rejects obsolete line
// folding, whitespace before a field's colon, field names that are not
// tokens, control characters (bare CR, NUL) in values, a Content-Length
// that is not 1*DIGIT, any second Content-Length or Transfer-Encoding, a
// transfer coding other than chunked, and both Content-Length and
// Transfer-Encoding. Transfer-Encoding is ignored on HTTP/1.0, whose body
// then ends with the connection unless a Content-Length says otherwise.
func readHead(br *bufio.Reader, hd *head) error {
	for interim := 0; ; interim++ {
		if interim > maxInterim {
			return errTooManyInfo
		}
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

// readStatus reads "HTTP/1.1 200 OK": version 1.0 or 1.1, one space, three
// digits, then the end or a space and any reason.
func readStatus(br *bufio.Reader, hd *head) error {
	line, err := readLine(br)
	if err != nil {
		return err
	}
	if len(line) < 12 || line[8] != ' ' || len(line) > 12 && line[12] != ' ' {
		return errBadHead
	}
	switch string(line[:8]) {
	case "HTTP/1.1":
	case "HTTP/1.0":
		hd.http10 = true
		hd.close = true // HTTP/1.0 closes; Cognito never answers with it
	default:
		return errBadHead
	}
	code := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return errBadHead
		}
		code = code*10 + int(c-'0')
	}
	if code < 100 || code == http.StatusSwitchingProtocols {
		return errBadHead // no protocol switch was asked for
	}
	hd.status = code
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
		name, val, ok := splitField(line)
		if !ok {
			return errBadHead
		}
		key := canonicalKey(name)
		if err := frame(hd, key, val); err != nil {
			return err
		}
		hd.header[key] = append(hd.header[key], val)
	}
}

// splitField splits "Name: value" into a token name and a value trimmed of
// spaces and tabs. It fails on a line without a colon, a name that is not
// a token (this includes a leading space: obsolete line folding, and a
// space before the colon), and a value with a control character other
// than a tab.
func splitField(line []byte) (name []byte, val string, ok bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return nil, "", false
	}
	name = line[:colon]
	for _, c := range name {
		if !tokenByte(c) {
			return nil, "", false
		}
	}
	v := line[colon+1:]
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			return nil, "", false
		}
	}
	return name, string(trimOWS(v)), true
}

// tokenByte reports whether c may appear in a field name (RFC 9110 tchar).
func tokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// trimOWS trims spaces and tabs, the only whitespace around a field value.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// frame notes the headers that decide where the body ends.
func frame(hd *head, key, val string) error {
	switch key {
	case "Content-Length":
		hd.lengths++
		n, err := strconv.ParseUint(val, 10, 63) // 1*DIGIT: no sign, no space
		if err != nil || hd.lengths > 1 {
			return errBadHead
		}
		hd.length = int64(n)
	case "Transfer-Encoding":
		hd.tes++
		if hd.tes > 1 {
			return errBadHead
		}
		if hd.http10 {
			return nil // HTTP/1.0 has no transfer codings (net/http ignores them)
		}
		if !asciiEqualFold(val, "chunked") {
			return errBadHead // only chunked is understood
		}
		hd.chunked = true
	case "Connection":
		if hasToken(val, "close") {
			hd.close = true
		}
	}
	return nil
}

// hasToken reports whether the comma-separated list v holds token,
// compared without case.
func hasToken(v, token string) bool {
	for v != "" {
		var t string
		t, v, _ = strings.Cut(v, ",")
		if asciiEqualFold(strings.Trim(t, " \t"), token) {
			return true
		}
	}
	return false
}

func checkFraming(hd *head) error {
	if hd.lengths > 0 && hd.tes > 0 {
		return errBadHead
	}
	if hd.chunked {
		if err := checkTrailerNames(hd.header["Trailer"]); err != nil {
			return err
		}
	}
	if hd.status < 200 || hd.status == http.StatusNoContent || hd.status == http.StatusNotModified {
		hd.length, hd.chunked = 0, false
	}
	if !hd.chunked && hd.length < 0 {
		hd.close = true // the body runs to the end of the connection
	}
	return nil
}

// checkTrailerNames refuses a Trailer header announcing a field that
// frames the message, as net/http does.
func checkTrailerNames(vv []string) error {
	for _, v := range vv {
		for _, name := range strings.Split(v, ",") {
			switch textproto.CanonicalMIMEHeaderKey(strings.Trim(name, " \t")) {
			case "Transfer-Encoding", "Trailer", "Content-Length":
				return errBadHead
			}
		}
	}
	return nil
}

// body returns the reader for the answer's body: one that fails with
// io.ErrUnexpectedEOF when the connection ends before the body does.
func (hd *head) body(br *bufio.Reader, lb *lengthBody) io.Reader {
	switch {
	case hd.chunked:
		return &chunkedBody{r: httputil.NewChunkedReader(br), br: br}
	case hd.length >= 0:
		*lb = lengthBody{r: br, n: hd.length}
		return lb
	}
	return br
}

// lengthBody reads a body of a declared length.
type lengthBody struct {
	r io.Reader
	n int64 // bytes left
}

func (l *lengthBody) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if err == io.EOF {
		if l.n > 0 {
			return n, io.ErrUnexpectedEOF
		}
		return n, io.EOF
	}
	if err == nil && l.n == 0 {
		err = io.EOF
	}
	return n, err
}

// readLine returns a line without its CRLF (or LF); the slice is valid
// until the next read. A CR left inside the line is the caller's to
// refuse.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("upstream response header line too long")
	}
	if err == io.EOF {
		return nil, io.ErrUnexpectedEOF
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
// the connection is positioned at the next answer when it reports EOF. A
// body or trailer cut by the end of the connection is an error, never a
// clean end.
type chunkedBody struct {
	r    io.Reader
	br   *bufio.Reader
	done bool
}

func (c *chunkedBody) Read(p []byte) (int, error) {
	if c.done {
		return 0, io.EOF
	}
	n, err := c.r.Read(p)
	if err == io.EOF {
		if err = readTrailer(c.br); err == nil {
			c.done, err = true, io.EOF
		}
	}
	return n, err
}

// readTrailer reads (and drops) the trailer section after the last chunk
// the way net/http does: the section must end within the read buffer, and
// its fields are read by net/textproto.
func readTrailer(br *bufio.Reader) error {
	buf, err := br.Peek(2)
	if bytes.Equal(buf, []byte("\r\n")) {
		_, _ = br.Discard(2)
		return nil
	}
	if len(buf) < 2 {
		return io.ErrUnexpectedEOF
	}
	if err != nil {
		return err
	}
	if !upcomingDoubleCRLF(br) {
		return errLongTrailer
	}
	if _, err := textproto.NewReader(br).ReadMIMEHeader(); err != nil {
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

// upcomingDoubleCRLF reports whether "\r\n\r\n" lies within what br can
// buffer.
func upcomingDoubleCRLF(br *bufio.Reader) bool {
	for n := 4; ; n = br.Buffered() + 1 {
		buf, err := br.Peek(n)
		if bytes.Contains(buf, []byte("\r\n\r\n")) {
			return true
		}
		if err != nil {
			return false
		}
	}
}
