package cognitotest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// maxHopBody bounds the request and response bodies the hop buffers.
const maxHopBody = 1 << 20

// StrictHop is an http.Handler that sits between the proxy and a Cognito
// upstream (moto) and enforces real Cognito's client-secret rules, which moto
// mostly skips:
//
//   - For an app client with a secret, SignUp, ConfirmSignUp,
//     ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword,
//     InitiateAuth (USER_PASSWORD_AUTH, USER_SRP_AUTH, CUSTOM_AUTH, USER_AUTH,
//     REFRESH_TOKEN_AUTH, REFRESH_TOKEN) and RespondToAuthChallenge must carry
//     the right SECRET_HASH; otherwise the hop answers NotAuthorizedException
//     in Cognito's words and shape without contacting the upstream.
//   - For refresh flows the hash is over the user's internal username
//     (cognito:username), which the hop learns from the ID token of every
//     successful AuthenticationResult it relays. An unknown refresh token
//     therefore never matches.
//   - GetTokensFromRefreshToken and RevokeToken, which moto lacks, are
//     answered by the hop after checking ClientSecret; the first through the
//     upstream's InitiateAuth REFRESH_TOKEN_AUTH. A revoked refresh token
//     then fails both refresh calls. ResendConfirmationCode, also missing
//     from moto, is answered by the hop after the hash check.
//   - A POST without X-Amz-Target is refused with UnknownOperationException
//     (moto would answer it as S3 with a false 200).
//   - With CheckAdmin, AdminInitiateAuth and AdminRespondToAuthChallenge
//     must be SigV4-signed for cognito-idp (the signature recomputed when
//     the signer's keys are given) and carry the right SECRET_HASH; without
//     it they pass unchecked. RotateSecret makes the hop accept a client's
//     old and new secret while a rotation lasts.
//
// Everything else passes through untouched. Every request the hop receives
// is recorded for assertions (Requests, Reset).
//
// A StrictHop is safe for concurrent use. Create one with NewStrictHop or
// StartStrictHop.
type StrictHop struct {
	// URL is the hop's base URL when started by StartStrictHop; empty
	// otherwise.
	URL string

	upstream string
	client   *http.Client

	mu       sync.Mutex
	secrets  map[string]string   // client id → secret
	sessions map[string]session  // refresh token → its user
	revoked  map[string]struct{} // refresh tokens revoked through the hop
	requests []Request
	admin    *AdminRules       // nil: Admin calls pass unchecked (see CheckAdmin)
	previous map[string]string // client id → secret being rotated out (see RotateSecret)
}

// Request is one request the hop received.
type Request struct {
	// Operation is the Cognito operation named by X-Amz-Target ("SignUp");
	// empty when the header is missing or names another service.
	Operation string
	// Header is a copy of the request headers.
	Header http.Header
	// Body is a copy of the request body.
	Body []byte
	// Refused is the error type the hop answered with itself
	// ("NotAuthorizedException"), or empty when it relayed or served the call.
	Refused string
}

// NewStrictHop returns a hop that forwards to upstream (a base URL such as
// Moto.URL) and checks the app clients in secrets (client id → secret). A
// client that is absent, or whose secret is empty, has no secret.
func NewStrictHop(upstream string, secrets map[string]string) *StrictHop {
	h := &StrictHop{
		upstream: strings.TrimSuffix(upstream, "/"),
		client:   &http.Client{Timeout: 30 * time.Second},
		secrets:  make(map[string]string, len(secrets)),
		sessions: make(map[string]session),
		revoked:  make(map[string]struct{}),
	}
	for id, s := range secrets {
		h.secrets[id] = s
	}
	return h
}

// StartStrictHop starts a hop on a free loopback port, sets its URL, and
// closes it when the test ends.
func StartStrictHop(t testing.TB, upstream string, secrets map[string]string) *StrictHop {
	t.Helper()
	h := NewStrictHop(upstream, secrets)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	h.URL = srv.URL
	return h
}

// SetSecret gives clientID the secret, or removes its secret when secret is
// empty, and ends a rotation (RotateSecret). Use it for app clients created
// after the hop.
func (h *StrictHop) SetSecret(clientID, secret string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.previous, clientID)
	if secret == "" {
		delete(h.secrets, clientID)
		return
	}
	h.secrets[clientID] = secret
}

// Requests returns copies of the requests received since the hop started or
// was last Reset, oldest first.
func (h *StrictHop) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Request, len(h.requests))
	for i, r := range h.requests {
		out[i] = Request{
			Operation: r.Operation,
			Header:    r.Header.Clone(),
			Body:      bytes.Clone(r.Body),
			Refused:   r.Refused,
		}
	}
	return out
}

// Reset forgets the recorded requests. Secrets, learned refresh tokens and
// revocations are kept.
func (h *StrictHop) Reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests = nil
}

// secret returns clientID's secret, empty when it has none.
func (h *StrictHop) secret(clientID string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.secrets[clientID]
}

// ServeHTTP checks, answers or relays one request.
func (h *StrictHop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxHopBody))
	if err != nil {
		writeAWSError(w, awsError{http.StatusBadRequest, SerializationError, "reading body: " + err.Error()})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op, _ := strings.CutPrefix(target, TargetPrefix)
	if op == target {
		op = ""
	}
	idx := h.record(Request{Operation: op, Header: r.Header.Clone(), Body: body})

	var e *awsError
	switch {
	case r.Method == http.MethodPost && target == "":
		e = &awsError{http.StatusBadRequest, UnknownOperation, "Missing X-Amz-Target header"}
	case op != "":
		e = h.handle(w, r, op, body)
		if e == nil {
			return
		}
	default:
		if _, _, err := h.relay(w, r, body); err != nil {
			e = upstreamError(err)
		} else {
			return
		}
	}
	h.markRefused(idx, e.Type)
	writeAWSError(w, *e)
}

// record appends req and returns its index.
func (h *StrictHop) record(req Request) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests = append(h.requests, req)
	return len(h.requests) - 1
}

// markRefused notes that request idx was refused with errType.
func (h *StrictHop) markRefused(idx int, errType string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if idx < len(h.requests) {
		h.requests[idx].Refused = errType
	}
}

// hopByHop lists the headers that describe one connection, not the message.
var hopByHop = []string{
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
	"Content-Length",
}

// relay sends body to the upstream with r's method, path and headers, writes
// the upstream's answer to w and returns its status and body. An error means
// nothing was written.
func (h *StrictHop) relay(w http.ResponseWriter, r *http.Request, body []byte) (int, []byte, error) {
	status, header, respBody, err := h.roundTrip(r.Method, r.URL.RequestURI(), r.Header, body)
	if err != nil {
		return 0, nil, err
	}
	dst := w.Header()
	for k, v := range header {
		dst[k] = v
	}
	dst.Set("Content-Length", strconv.Itoa(len(respBody)))
	w.WriteHeader(status)
	_, _ = w.Write(respBody)
	return status, respBody, nil
}

// roundTrip performs one upstream call and reads the whole answer.
func (h *StrictHop) roundTrip(method, uri string, header http.Header, body []byte) (int, http.Header, []byte, error) {
	req, err := http.NewRequest(method, h.upstream+uri, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header = header.Clone()
	for _, k := range hopByHop {
		req.Header.Del(k)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, maxHopBody))
	if err != nil {
		return 0, nil, nil, err
	}
	for _, k := range hopByHop {
		resp.Header.Del(k)
	}
	return resp.StatusCode, resp.Header, respBody, nil
}

// upstreamError is the hop's answer when the upstream can't be reached.
func upstreamError(err error) *awsError {
	return &awsError{http.StatusInternalServerError, "InternalErrorException", fmt.Sprintf("strict hop: upstream: %v", err)}
}
