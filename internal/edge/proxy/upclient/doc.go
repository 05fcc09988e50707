// Package upclient is the proxy's HTTP/1.1 client for its one upstream,
// Cognito's API endpoint. It is not a general-purpose client: it serves one
// trusted host, chosen by the operator, over plain TCP or TLS, and nothing
// else.
//
// Scope:
//   - One host per Pool. Connections are kept alive and reused; a Pool
//     never follows a redirect, never speaks to a proxy and never retries
//     a request the upstream may have received.
//   - Buffered requests. RoundTrip takes the whole serialized request
//     (head and body) and writes it in one write; the caller serializes it
//     and keeps its header values free of CR and LF.
//   - HTTP/1.1 only: no HTTP/2, no protocol switch, no 100-continue (the
//     request is sent whole, never with Expect).
//   - Answers are read as net/http.ReadResponse reads them (RFC 9112), and
//     refused where a lenient reading could let an upstream smuggle a
//     second answer: a Content-Length that is not 1*DIGIT, a repeated
//     Content-Length or Transfer-Encoding, both at once, a transfer coding
//     other than chunked, obsolete line folding, whitespace before a colon,
//     a field name that is not a token, a control byte (bare CR, NUL) in a
//     value, an HTTP version other than 1.0 and 1.1, a 101, more than five
//     1xx answers, a head over 64 KiB. An HTTP/1.0 answer closes its
//     connection; a body or trailer cut by the connection's end is an
//     error, never a clean end.
//
// FuzzUpstreamParser checks the answer parser against
// net/http.ReadResponse on the same bytes; its corpus runs with go test.
package upclient
