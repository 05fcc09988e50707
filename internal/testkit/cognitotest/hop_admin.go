package cognitotest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SigningService is the SigV4 service name of Cognito user pools.
const SigningService = "cognito-idp"

// Error types the hop answers Admin calls with when their signature is wrong.
const (
	MissingAuthenticationToken = "MissingAuthenticationTokenException"
	InvalidSignature           = "InvalidSignatureException"
)

// AdminRules are the checks CheckAdmin turns on.
type AdminRules struct {
	// Region is the region the signature's credential scope must name.
	Region string
	// Credentials, when they have keys, are those the caller signs with:
	// the hop then recomputes the signature over the received request and
	// refuses a mismatch. Without keys only the signature's form and scope
	// are checked.
	Credentials aws.Credentials
}

// adminOps are the operations CheckAdmin covers.
var adminOps = map[string]bool{"AdminInitiateAuth": true, "AdminRespondToAuthChallenge": true}

// adminHashedFlows are the AdminInitiateAuth flows whose SECRET_HASH is
// over AuthParameters.USERNAME.
var adminHashedFlows = map[string]bool{
	"ADMIN_USER_PASSWORD_AUTH": true, "ADMIN_NO_SRP_AUTH": true,
	"USER_PASSWORD_AUTH": true, "USER_SRP_AUTH": true, "CUSTOM_AUTH": true, "USER_AUTH": true,
}

// CheckAdmin makes the hop enforce, on AdminInitiateAuth and
// AdminRespondToAuthChallenge, what real Cognito enforces and moto skips:
// a SigV4 signature for cognito-idp in rules.Region (answered 403
// MissingAuthenticationTokenException or InvalidSignatureException
// otherwise) and, for app clients with a secret, the right SECRET_HASH,
// over AuthParameters.USERNAME, ChallengeResponses.USERNAME or, for
// refresh flows, the refresh token's cognito:username. By default (without
// CheckAdmin) Admin calls pass through unchecked.
func (h *StrictHop) CheckAdmin(rules AdminRules) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.admin = &rules
}

// adminRules returns the rules set by CheckAdmin, or nil.
func (h *StrictHop) adminRules() *AdminRules {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.admin
}

// checkAdmin applies rules to an Admin call and answers or relays it. A
// non-nil result is the error to answer with; nothing has been written then.
func (h *StrictHop) checkAdmin(w http.ResponseWriter, r *http.Request, rules *AdminRules, op string, c call, secret string, body []byte) *awsError {
	if e := checkSigV4(r, body, rules); e != nil {
		return e
	}
	switch {
	case op == "AdminInitiateAuth" && refreshFlows[c.AuthFlow]:
		return h.refreshAuth(w, r, c, secret, body)
	case op == "AdminInitiateAuth" && adminHashedFlows[c.AuthFlow]:
		if e := checkHash(secret, c.ClientId, c.AuthParameters["SECRET_HASH"], c.AuthParameters["USERNAME"], true); e != nil {
			return e
		}
	case op == "AdminRespondToAuthChallenge":
		if e := checkHash(secret, c.ClientId, c.ChallengeResponses["SECRET_HASH"], c.ChallengeResponses["USERNAME"], true); e != nil {
			return e
		}
	}
	return h.relayAndLearn(w, r, op, c, body)
}

// checkSigV4 checks the request's SigV4 Authorization header.
func checkSigV4(r *http.Request, body []byte, rules *AdminRules) *awsError {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return &awsError{http.StatusForbidden, MissingAuthenticationToken, "Missing Authentication Token"}
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[3] != SigningService || scope[4] != "aws4_request" || fields["SignedHeaders"] == "" || fields["Signature"] == "" {
		return &awsError{http.StatusForbidden, InvalidSignature, "Authorization header requires Credential, SignedHeaders and Signature for " + SigningService + "."}
	}
	if scope[2] != rules.Region {
		return &awsError{http.StatusForbidden, InvalidSignature, "Credential should be scoped to a valid region."}
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return &awsError{http.StatusForbidden, InvalidSignature, "Missing or malformed X-Amz-Date."}
	}
	if !rules.Credentials.HasKeys() {
		return nil
	}
	if scope[0] != rules.Credentials.AccessKeyID {
		return &awsError{http.StatusForbidden, "UnrecognizedClientException", "The security token included in the request is invalid."}
	}
	if resigned(r, body, strings.Split(fields["SignedHeaders"], ";"), rules, at) != auth {
		return &awsError{http.StatusForbidden, InvalidSignature, "The request signature we calculated does not match the signature you provided."}
	}
	return nil
}

// resigned returns the Authorization header the hop computes for r,
// signing the headers r's signature names with rules.Credentials at at.
func resigned(r *http.Request, body []byte, signed []string, rules *AdminRules, at time.Time) string {
	req, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return ""
	}
	req.ContentLength = int64(len(body))
	for _, name := range signed {
		if name == "host" || name == "content-length" {
			continue
		}
		key := http.CanonicalHeaderKey(name)
		req.Header[key] = r.Header.Values(key)
	}
	sum := sha256.Sum256(body)
	if v4.NewSigner().SignHTTP(context.Background(), rules.Credentials, req, hex.EncodeToString(sum[:]), SigningService, rules.Region, at) != nil {
		return ""
	}
	return req.Header.Get("Authorization")
}

// RotateSecret makes secret clientID's secret while the hop still accepts
// the one it replaces, as Cognito does while an app client has two secrets
// during a rotation. SetSecret ends the rotation.
func (h *StrictHop) RotateSecret(clientID, secret string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.previous == nil {
		h.previous = make(map[string]string)
	}
	h.previous[clientID] = h.secrets[clientID]
	h.secrets[clientID] = secret
}

// previousSecret returns the secret being rotated out for clientID, or "".
func (h *StrictHop) previousSecret(clientID string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.previous[clientID]
}
