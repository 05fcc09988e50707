package cognitotest

import (
	"encoding/json"
	"github.com/poolguard/poolguard/internal/cognito"
	"net/http"
	"strconv"
)

// ContentType is the content type of Cognito's JSON 1.1 API.
const ContentType = "application/x-amz-json-1.1"

// TargetPrefix starts every Cognito X-Amz-Target value.
const TargetPrefix = "AWSCognitoIdentityProviderService."

// Error types the StrictHop answers with.
const (
	NotAuthorized      = "NotAuthorizedException"
	Unauthorized       = "UnauthorizedException"
	UnknownOperation   = "UnknownOperationException"
	SerializationError = "SerializationException"
)

// SecretNotReceivedMessage returns Cognito's message for a call from an app
// client that has a secret but carried no SECRET_HASH (or ClientSecret for
// GetTokensFromRefreshToken).
func SecretNotReceivedMessage(clientID string) string {
	return "Client " + clientID + " is configured for secret but secret was not received"
}

// SecretHashMismatchMessage returns Cognito's message for a wrong SECRET_HASH
// (or a wrong ClientSecret for GetTokensFromRefreshToken).
func SecretHashMismatchMessage(clientID string) string {
	return "Unable to verify secret hash for client " + clientID
}

// RevokeTokenSecretMessage is Cognito's message for RevokeToken with a
// missing or wrong ClientSecret; its error type is Unauthorized (RevokeToken
// models no NotAuthorizedException).
const RevokeTokenSecretMessage = "Invalid client or secret"

// RevokedRefreshTokenMessage is Cognito's message for a refresh with a
// revoked refresh token.
const RevokedRefreshTokenMessage = "Refresh Token has been revoked"

// awsError is a Cognito-shaped error answer.
type awsError struct {
	Status  int
	Type    string
	Message string
}

// writeAWSError renders e as Cognito does: JSON {"__type","message"}, header
// x-amzn-ErrorType "<type>:" and a fresh x-amzn-RequestId.
func writeAWSError(w http.ResponseWriter, e awsError) {
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.Type, e.Message})
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amzn-Errortype", e.Type+":")
	h.Set("X-Amzn-Requestid", newRequestID())
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// writeJSON answers 200 with body, as Cognito does for a success.
func writeJSON(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amzn-Requestid", newRequestID())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// newRequestID returns a random UUID-shaped request id.
func newRequestID() string { return cognito.NewRequestID() }
