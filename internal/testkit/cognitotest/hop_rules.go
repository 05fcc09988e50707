package cognitotest

import (
	"crypto/hmac"
	"encoding/json"
	"net/http"
)

// call is the part of a Cognito request body the hop reads.
type call struct {
	ClientId           string
	Username           string
	SecretHash         string
	AuthFlow           string
	AuthParameters     map[string]string
	ChallengeResponses map[string]string
	ClientSecret       *string
	ClientMetadata     map[string]string
	RefreshToken       string // GetTokensFromRefreshToken
	Token              string // RevokeToken
}

// topLevelSecretOps carry SecretHash at the top level, over Username.
var topLevelSecretOps = map[string]bool{
	"SignUp":                 true,
	"ConfirmSignUp":          true,
	"ResendConfirmationCode": true,
	"ForgotPassword":         true,
	"ConfirmForgotPassword":  true,
}

// hashedFlows are the InitiateAuth flows whose AuthParameters.SECRET_HASH is
// over AuthParameters.USERNAME.
var hashedFlows = map[string]bool{
	"USER_PASSWORD_AUTH": true,
	"USER_SRP_AUTH":      true,
	"CUSTOM_AUTH":        true,
	"USER_AUTH":          true,
}

// refreshFlows are the InitiateAuth flows whose SECRET_HASH is over the
// refresh token's cognito:username.
var refreshFlows = map[string]bool{
	"REFRESH_TOKEN_AUTH": true,
	"REFRESH_TOKEN":      true,
}

// learnOps are the operations whose successful answers may carry a fresh
// refresh token, mapped to the body field that holds the sign-in name.
var learnOps = map[string]string{
	"InitiateAuth":                "AuthParameters",
	"AdminInitiateAuth":           "AuthParameters",
	"RespondToAuthChallenge":      "ChallengeResponses",
	"AdminRespondToAuthChallenge": "ChallengeResponses",
}

// checkedOp reports whether the hop must read op's body and refuse it when
// it is not JSON; other operations pass through untouched.
func checkedOp(op string) bool {
	return topLevelSecretOps[op] || op == "InitiateAuth" || op == "RespondToAuthChallenge" ||
		op == "GetTokensFromRefreshToken" || op == "RevokeToken"
}

// resendAnswer is the hop's answer to ResendConfirmationCode, which moto
// does not implement.
var resendAnswer = []byte(`{"CodeDeliveryDetails":{"AttributeName":"email","DeliveryMedium":"EMAIL","Destination":"u***@e***"}}`)

// handle applies the secret rules to a Cognito operation and answers or
// relays it. A non-nil result is the error to answer with; nothing has been
// written then.
func (h *StrictHop) handle(w http.ResponseWriter, r *http.Request, op string, body []byte) *awsError {
	var c call
	if err := json.Unmarshal(body, &c); err != nil {
		if checkedOp(op) {
			return &awsError{http.StatusBadRequest, SerializationError, "Could not parse request body: " + err.Error()}
		}
		if _, _, err := h.relay(w, r, body); err != nil {
			return upstreamError(err)
		}
		return nil
	}
	e := h.handleCall(w, r, op, c, h.secret(c.ClientId), body)
	if e != nil && e.Type == NotAuthorized {
		if prev := h.previousSecret(c.ClientId); prev != "" {
			e = h.handleCall(w, r, op, c, prev, body) // a secret being rotated out
		}
	}
	return e
}

// handleCall is handle for a parsed call checked against secret.
func (h *StrictHop) handleCall(w http.ResponseWriter, r *http.Request, op string, c call, secret string, body []byte) *awsError {
	if rules := h.adminRules(); rules != nil && adminOps[op] {
		return h.checkAdmin(w, r, rules, op, c, secret, body)
	}
	switch {
	case topLevelSecretOps[op]:
		if e := checkHash(secret, c.ClientId, c.SecretHash, c.Username, true); e != nil {
			return e
		}
		if op == "ResendConfirmationCode" {
			writeJSON(w, resendAnswer)
			return nil
		}
	case op == "InitiateAuth" && hashedFlows[c.AuthFlow]:
		if e := checkHash(secret, c.ClientId, c.AuthParameters["SECRET_HASH"], c.AuthParameters["USERNAME"], true); e != nil {
			return e
		}
	case op == "InitiateAuth" && refreshFlows[c.AuthFlow]:
		return h.refreshAuth(w, r, c, secret, body)
	case op == "RespondToAuthChallenge":
		if e := checkHash(secret, c.ClientId, c.ChallengeResponses["SECRET_HASH"], c.ChallengeResponses["USERNAME"], true); e != nil {
			return e
		}
	case op == "GetTokensFromRefreshToken":
		return h.getTokens(w, r, c, secret)
	case op == "RevokeToken":
		return h.revoke(w, c, secret)
	}
	return h.relayAndLearn(w, r, op, c, body)
}

// checkHash returns Cognito's refusal when the client has a secret and got
// is missing or not the hash of username; known=false means the username
// could not be determined, so no hash matches.
func checkHash(secret, clientID, got, username string, known bool) *awsError {
	if secret == "" {
		return nil
	}
	if got == "" {
		return &awsError{http.StatusBadRequest, NotAuthorized, SecretNotReceivedMessage(clientID)}
	}
	if !known || !hmac.Equal([]byte(got), []byte(SecretHash(secret, username, clientID))) {
		return &awsError{http.StatusBadRequest, NotAuthorized, SecretHashMismatchMessage(clientID)}
	}
	return nil
}

// checkClientSecret is checkHash for operations that carry the raw secret
// (GetTokensFromRefreshToken).
func checkClientSecret(secret, clientID string, got *string) *awsError {
	if secret == "" {
		return nil
	}
	if got == nil || *got == "" {
		return &awsError{http.StatusBadRequest, NotAuthorized, SecretNotReceivedMessage(clientID)}
	}
	if !hmac.Equal([]byte(*got), []byte(secret)) {
		return &awsError{http.StatusBadRequest, NotAuthorized, SecretHashMismatchMessage(clientID)}
	}
	return nil
}

// relayAndLearn relays the call and, when it succeeded with a refresh token,
// learns whose token it is.
func (h *StrictHop) relayAndLearn(w http.ResponseWriter, r *http.Request, op string, c call, body []byte) *awsError {
	status, respBody, err := h.relay(w, r, body)
	if err != nil {
		return upstreamError(err)
	}
	field, ok := learnOps[op]
	if !ok || status != http.StatusOK {
		return nil
	}
	signIn := c.AuthParameters["USERNAME"]
	if field == "ChallengeResponses" {
		signIn = c.ChallengeResponses["USERNAME"]
	}
	h.learn(c.ClientId, signIn, respBody)
	return nil
}
