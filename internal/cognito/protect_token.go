package cognito

import (
	"encoding/base64"
	"strings"

	"github.com/tidwall/gjson"
)

// maxTokenBytes bounds the access token TokenClient decodes.
const maxTokenBytes = 16 << 10

// TokenClient returns the client_id claim of a Cognito access token and
// the user pool id at the end of its iss claim, without verifying the
// token. Either is "" when the token is not a readable JWT.
func TokenClient(token string) (clientID, poolID string) {
	claims := tokenClaims(token)
	if claims == nil {
		return "", ""
	}
	f := gjson.GetManyBytes(claims, "client_id", "iss")
	iss := f[1].Str
	if i := strings.LastIndexByte(iss, '/'); i >= 0 {
		poolID = iss[i+1:]
	}
	return f[0].Str, poolID
}

// TokenSubject returns the sub claim of a Cognito access token without
// verifying the token, or "" when the token is not a readable JWT. A
// caller that forges a token to change its subject gains nothing that
// reaches Cognito, which refuses the forged token.
func TokenSubject(token string) string {
	claims := tokenClaims(token)
	if claims == nil {
		return ""
	}
	if sub := gjson.GetBytes(claims, "sub"); sub.Type == gjson.String {
		return sub.Str
	}
	return ""
}

// tokenClaims returns the decoded JSON payload of the JWT token, or nil.
func tokenClaims(token string) []byte {
	if len(token) > maxTokenBytes {
		return nil
	}
	_, rest, ok := strings.Cut(token, ".")
	if !ok {
		return nil
	}
	payload, _, ok := strings.Cut(rest, ".")
	if !ok {
		return nil
	}
	claims, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(payload, "="))
	if err != nil || !gjson.ValidBytes(claims) {
		return nil
	}
	return claims
}
