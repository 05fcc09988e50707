package cognitotest

import (
	"encoding/json"
	"net/http"
)

// session is what the hop knows about one refresh token.
type session struct {
	clientID string
	// username is the user's internal username (cognito:username), the name
	// real Cognito hashes for refresh flows.
	username string
	// signInName is the name the user signed in with, the one moto hashes
	// for REFRESH_TOKEN_AUTH when its app client has a secret.
	signInName string
}

// learn records the refresh token of a successful authentication answer,
// keyed to the cognito:username of its ID token.
func (h *StrictHop) learn(clientID, signInName string, respBody []byte) {
	var out struct {
		AuthenticationResult struct {
			IdToken      string
			RefreshToken string
		}
	}
	if json.Unmarshal(respBody, &out) != nil {
		return
	}
	ar := out.AuthenticationResult
	if ar.RefreshToken == "" {
		return
	}
	username, err := cognitoUsername(ar.IdToken)
	if err != nil {
		return
	}
	if signInName == "" {
		signInName = username
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sessions[ar.RefreshToken] = session{clientID: clientID, username: username, signInName: signInName}
}

// session returns what the hop learned about token.
func (h *StrictHop) session(token string) (session, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.sessions[token]
	return s, ok
}

// isRevoked reports whether token was revoked through the hop.
func (h *StrictHop) isRevoked(token string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.revoked[token]
	return ok
}

// revokedError is Cognito's answer to a refresh with a revoked token.
var revokedError = &awsError{http.StatusBadRequest, NotAuthorized, RevokedRefreshTokenMessage}

// upstreamHash returns the SECRET_HASH moto accepts for s's refresh token:
// moto hashes the sign-in name, not cognito:username.
func upstreamHash(secret string, s session, known bool, clientID string) string {
	name := s.signInName
	if !known {
		name = ""
	}
	return SecretHash(secret, name, clientID)
}

// refreshAuth handles InitiateAuth REFRESH_TOKEN_AUTH / REFRESH_TOKEN.
func (h *StrictHop) refreshAuth(w http.ResponseWriter, r *http.Request, c call, secret string, body []byte) *awsError {
	token := c.AuthParameters["REFRESH_TOKEN"]
	s, known := h.session(token)
	if e := checkHash(secret, c.ClientId, c.AuthParameters["SECRET_HASH"], s.username, known); e != nil {
		return e
	}
	if h.isRevoked(token) {
		return revokedError
	}
	if secret != "" && known && s.signInName != s.username {
		params := make(map[string]string, len(c.AuthParameters))
		for k, v := range c.AuthParameters {
			params[k] = v
		}
		params["SECRET_HASH"] = upstreamHash(secret, s, known, c.ClientId)
		rewritten, err := replaceField(body, "AuthParameters", params)
		if err != nil {
			return &awsError{http.StatusBadRequest, SerializationError, err.Error()}
		}
		body = rewritten
	}
	if _, _, err := h.relay(w, r, body); err != nil {
		return upstreamError(err)
	}
	return nil
}

// getTokens implements GetTokensFromRefreshToken, which moto lacks, through
// the upstream's InitiateAuth REFRESH_TOKEN_AUTH.
func (h *StrictHop) getTokens(w http.ResponseWriter, r *http.Request, c call, secret string) *awsError {
	if e := checkClientSecret(secret, c.ClientId, c.ClientSecret); e != nil {
		return e
	}
	if h.isRevoked(c.RefreshToken) {
		return revokedError
	}
	params := map[string]string{"REFRESH_TOKEN": c.RefreshToken}
	if secret != "" {
		s, known := h.session(c.RefreshToken)
		params["SECRET_HASH"] = upstreamHash(secret, s, known, c.ClientId)
	}
	inner, err := json.Marshal(map[string]any{
		"AuthFlow":       "REFRESH_TOKEN_AUTH",
		"ClientId":       c.ClientId,
		"AuthParameters": params,
		"ClientMetadata": c.ClientMetadata,
	})
	if err != nil {
		return &awsError{http.StatusInternalServerError, "InternalErrorException", err.Error()}
	}
	header := r.Header.Clone()
	header.Set("X-Amz-Target", TargetPrefix+"InitiateAuth")
	header.Set("Content-Type", ContentType)
	status, respHeader, respBody, err := h.roundTrip(http.MethodPost, "/", header, inner)
	if err != nil {
		return upstreamError(err)
	}
	if status == http.StatusOK {
		var out struct{ AuthenticationResult json.RawMessage }
		if json.Unmarshal(respBody, &out) == nil && len(out.AuthenticationResult) > 0 {
			answer, _ := json.Marshal(out)
			writeJSON(w, answer)
			return nil
		}
	}
	for k, v := range respHeader {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = w.Write(respBody)
	return nil
}

// revoke implements RevokeToken, which moto lacks: after the ClientSecret
// check it marks the token revoked and answers {}.
func (h *StrictHop) revoke(w http.ResponseWriter, c call, secret string) *awsError {
	if secret != "" && (c.ClientSecret == nil || *c.ClientSecret != secret) {
		return &awsError{http.StatusBadRequest, Unauthorized, RevokeTokenSecretMessage}
	}
	h.mu.Lock()
	h.revoked[c.Token] = struct{}{}
	h.mu.Unlock()
	writeJSON(w, []byte("{}"))
	return nil
}

// replaceField returns body with its top-level field set to value.
func replaceField(body []byte, field string, value any) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	m[field] = raw
	return json.Marshal(m)
}
