package cognito

import (
	"net/http"
	"strconv"
)

// Error is an error the proxy itself answers in Cognito's shape: a JSON body
// {"__type": Type, "message": Message}, the x-amzn-ErrorType header and the
// given HTTP status. Message is shown to clients and must never contain a
// secret, password or token.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Type is Cognito's error code, e.g. "ForbiddenException".
	Type string
	// Message is the human-readable message.
	Message string
}

// Error returns "Type: Message".
func (e *Error) Error() string { return e.Type + ": " + e.Message }

// Errors the proxy produces. Their types are those real Cognito (or the AWS
// JSON protocol) uses for the same condition, so every SDK maps them to the
// error class an app already handles.
var (
	ErrWAFBlock = &Error{http.StatusForbidden, "ForbiddenException", "Request not allowed due to WAF block."}
)

// Forbidden is the error for an operation the proxy's policy refuses.
func Forbidden(msg string) *Error {
	return &Error{http.StatusForbidden, "ForbiddenException", msg}
}

// InvalidParameter is Cognito's error for a bad request field.
func InvalidParameter(msg string) *Error {
	return &Error{http.StatusBadRequest, "InvalidParameterException", msg}
}

// Serialization is the AWS JSON protocol's error for a body that is not JSON.
func Serialization(msg string) *Error {
	return &Error{http.StatusBadRequest, "SerializationException", msg}
}

// UnknownOperation is the AWS JSON protocol's error for a missing or unknown
// X-Amz-Target.
func UnknownOperation(msg string) *Error {
	return &Error{http.StatusBadRequest, "UnknownOperationException", msg}
}

// ResourceNotFound is Cognito's error for an unknown app client.
func ResourceNotFound(msg string) *Error {
	return &Error{http.StatusBadRequest, "ResourceNotFoundException", msg}
}

// TooLarge is the error for a body over the proxy's limit.
func TooLarge(limit int64) *Error {
	return &Error{http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException",
		"Request body is larger than the proxy's limit of " + strconv.FormatInt(limit, 10) + " bytes."}
}

// Internal is Cognito's 500 error.
func Internal(msg string) *Error {
	return &Error{http.StatusInternalServerError, "InternalErrorException", msg}
}

// Unavailable is the error for an upstream that cannot be reached.
func Unavailable(msg string) *Error {
	return &Error{http.StatusBadGateway, "InternalErrorException", msg}
}

// Timeout is the error for an upstream that did not answer in time.
func Timeout(msg string) *Error {
	return &Error{http.StatusGatewayTimeout, "InternalErrorException", msg}
}

// MethodNotAllowed is the error for a request that is not POST (or OPTIONS).
func MethodNotAllowed(method string) *Error {
	return &Error{http.StatusMethodNotAllowed, "UnknownOperationException",
		"Method " + method + " is not allowed; Cognito's API accepts POST."}
}

// WriteError writes e in Cognito's shape. requestID is sent as
// x-amzn-RequestId; headers already set on w (CORS) are kept.
func WriteError(w http.ResponseWriter, requestID string, e *Error) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("X-Amzn-Errortype", e.Type+":")
	h.Set("X-Amzn-Requestid", requestID)
	body := AppendErrorJSON(make([]byte, 0, 64+len(e.Type)+len(e.Message)), e.Type, e.Message)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// AppendErrorJSON appends {"__type":typ,"message":msg} to b.
func AppendErrorJSON(b []byte, typ, msg string) []byte {
	b = append(b, `{"__type":`...)
	b = strconv.AppendQuote(b, typ)
	b = append(b, `,"message":`...)
	b = appendJSONString(b, msg)
	return append(b, '}')
}

// appendJSONString appends s as a JSON string (strconv.Quote's escapes are
// valid JSON for the ASCII and UTF-8 text used in messages, except \x, which
// this avoids by escaping control bytes as \u00XX).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// PreparedError is an Error whose answer is encoded once: the body and the
// header values are shared by every answer, so writing it allocates only
// the request id's header value. It serves an error answered often, such
// as the web ACL's block during a flood.
type PreparedError struct {
	*Error
	body                   []byte
	ctype, errType, length []string
}

// Prepare encodes e's answer as WriteError writes it. e must not change
// afterwards.
func Prepare(e *Error) *PreparedError {
	body := AppendErrorJSON(nil, e.Type, e.Message)
	return &PreparedError{Error: e, body: body,
		ctype:   []string{"application/x-amz-json-1.1"},
		errType: []string{e.Type + ":"},
		length:  []string{strconv.Itoa(len(body))},
	}
}

// Write writes the prepared answer, exactly as WriteError(w, requestID,
// p.Error) would. The shared header values have no spare capacity, so a
// later Add to one of them copies it rather than changing every answer's.
func (p *PreparedError) Write(w http.ResponseWriter, requestID string) {
	h := w.Header()
	h["Content-Type"] = p.ctype
	h["X-Amzn-Errortype"] = p.errType
	h["X-Amzn-Requestid"] = []string{requestID}
	h["Content-Length"] = p.length
	w.WriteHeader(p.Status)
	_, _ = w.Write(p.body)
}

// WAFBlock is ErrWAFBlock, prepared.
var WAFBlock = Prepare(ErrWAFBlock)
