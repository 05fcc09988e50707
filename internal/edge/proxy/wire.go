package proxy

import (
	"net/http"
	"strconv"
)

// appendRequest serializes req, with body, as an HTTP/1.1 request.
func appendRequest(b []byte, req *http.Request, body []byte) []byte {
	b = append(b, req.Method...)
	b = append(b, ' ')
	b = append(b, req.URL.RequestURI()...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, req.Host...)
	b = append(b, "\r\n"...)
	for k, vv := range req.Header {
		if k == "Host" || k == "Content-Length" {
			continue
		}
		for _, v := range vv {
			b = appendHeader(b, k, v)
		}
	}
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	return append(b, body...)
}

// appendHeader appends "k: v\r\n".
func appendHeader(b []byte, k, v string) []byte {
	b = append(b, k...)
	b = append(b, ": "...)
	b = appendHeaderValue(b, v)
	return append(b, "\r\n"...)
}

// appendHeaderValue appends v with any CR or LF replaced by a space, so no
// value can split the request.
func appendHeaderValue(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}
