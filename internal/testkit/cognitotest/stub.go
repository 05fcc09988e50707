package cognitotest

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// StubUsername is the cognito:username in the Stub's ID token.
const StubUsername = "stub-user"

// StubRefreshToken is the refresh token the Stub hands out.
const StubRefreshToken = "stub-refresh-token"

// Stub is a fast in-process Cognito stand-in for benchmarks: it answers each
// operation with a fixed JSON body (200), a POST without X-Amz-Target with
// 400 UnknownOperationException, and an operation it does not know with {}.
// It checks nothing. Keep-alive is left on; a request costs a map lookup and
// a write of precomputed bytes.
//
// Configure it with Answer before serving; after that it is safe for
// concurrent use.
type Stub struct {
	answers map[string]stubAnswer
	empty   stubAnswer
	unknown stubAnswer
}

// stubAnswer is one precomputed response.
type stubAnswer struct {
	status int
	body   []byte
	length []string // Content-Length header value, shared and never mutated
	errTyp []string // x-amzn-ErrorType header value, nil for a success
}

// Shared header values; net/http only reads them.
var (
	stubContentType = []string{ContentType}
	stubRequestID   = []string{"00000000-0000-4000-8000-000000000000"}
)

// NewStub returns a Stub with answers for the operations the proxy forwards.
func NewStub() *Stub {
	tokens := stubTokens()
	s := &Stub{answers: make(map[string]stubAnswer)}
	s.empty = newStubAnswer(http.StatusOK, "{}", "")
	s.unknown = newStubAnswer(http.StatusBadRequest, `{"__type":"UnknownOperationException","message":"Missing X-Amz-Target header"}`, UnknownOperation)
	delivery := `"CodeDeliveryDetails":{"AttributeName":"email","DeliveryMedium":"EMAIL","Destination":"s***@e***"}`
	for op, body := range map[string]string{
		"InitiateAuth":              `{"AuthenticationResult":` + tokens + `,"ChallengeParameters":{}}`,
		"RespondToAuthChallenge":    `{"AuthenticationResult":` + tokens + `,"ChallengeParameters":{}}`,
		"GetTokensFromRefreshToken": `{"AuthenticationResult":` + tokens + `}`,
		"SignUp":                    `{"UserConfirmed":false,"UserSub":"5f1c1f2a-0000-4000-8000-000000000001",` + delivery + `}`,
		"ForgotPassword":            `{` + delivery + `}`,
		"ResendConfirmationCode":    `{` + delivery + `}`,
		"GetUser":                   `{"Username":"` + StubUsername + `","UserAttributes":[{"Name":"sub","Value":"5f1c1f2a-0000-4000-8000-000000000001"},{"Name":"email","Value":"stub@example.com"}]}`,
		"UpdateUserAttributes":      `{"CodeDeliveryDetailsList":[]}`,
	} {
		s.Answer(op, http.StatusOK, []byte(body))
	}
	return s
}

// Answer makes the stub answer op with status and body. Call it before the
// stub serves. A status of 400 or more also sets x-amzn-ErrorType from the
// body's __type.
func (s *Stub) Answer(op string, status int, body []byte) {
	errType := ""
	if status >= 400 {
		if _, after, ok := strings.Cut(string(body), `"__type":"`); ok {
			errType, _, _ = strings.Cut(after, `"`)
		}
	}
	s.answers[op] = newStubAnswer(status, string(body), errType)
}

func newStubAnswer(status int, body, errType string) stubAnswer {
	a := stubAnswer{status: status, body: []byte(body), length: []string{strconv.Itoa(len(body))}}
	if errType != "" {
		a.errTyp = []string{errType + ":"}
	}
	return a
}

// ServeHTTP answers one request from the precomputed table.
func (s *Stub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	a := s.unknown
	if t := r.Header["X-Amz-Target"]; len(t) > 0 {
		a = s.empty
		if op, ok := strings.CutPrefix(t[0], TargetPrefix); ok {
			if found, ok := s.answers[op]; ok {
				a = found
			}
		}
	}
	h := w.Header()
	h["Content-Type"] = stubContentType
	h["Content-Length"] = a.length
	h["X-Amzn-Requestid"] = stubRequestID
	if a.errTyp != nil {
		h["X-Amzn-Errortype"] = a.errTyp
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// stubTokens returns the AuthenticationResult JSON object the stub hands
// out; its ID token is an unsigned-looking JWT whose payload carries
// cognito:username StubUsername.
func stubTokens() string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"kid":"stub","alg":"RS256"}`))
	payload := enc.EncodeToString([]byte(`{"sub":"5f1c1f2a-0000-4000-8000-000000000001","cognito:username":"` + StubUsername +
		`","token_use":"id","aud":"stubclient","iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_STUB","exp":4102444800,"iat":1700000000}`))
	sig := enc.EncodeToString([]byte("stub-signature"))
	idToken := header + "." + payload + "." + sig
	return `{"AccessToken":"` + idToken + `","ExpiresIn":3600,"IdToken":"` + idToken +
		`","RefreshToken":"` + StubRefreshToken + `","TokenType":"Bearer"}`
}

// StubServer is a Stub serving on a TCP address, started by StartStub.
type StubServer struct {
	// URL is the base URL, e.g. "http://127.0.0.1:41234".
	URL string
	// Addr is the address listened on.
	Addr net.Addr

	srv *http.Server
}

// StartStub serves NewStub on addr ("127.0.0.1:0" picks a free port) until
// Close. It suits an in-process benchmark or a separate process
// (internal/testkit/cognitotest/stubserver).
func StartStub(addr string) (*StubServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{
		Handler:           NewStub(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       5 * time.Minute,
	}
	go func() { _ = srv.Serve(ln) }()
	return &StubServer{URL: "http://" + ln.Addr().String(), Addr: ln.Addr(), srv: srv}, nil
}

// Close stops the server at once, closing open connections.
func (s *StubServer) Close() error { return s.srv.Close() }

// Shutdown stops the server gracefully, waiting for requests in flight.
func (s *StubServer) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }
