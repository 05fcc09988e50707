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
	if len(token) > maxTokenBytes {
		return "", ""
	}
	_, rest, ok := strings.Cut(token, ".")
	if !ok {
		return "", ""
	}
	payload, _, ok := strings.Cut(rest, ".")
	if !ok {
		return "", ""
	}
	claims, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(payload, "="))
	if err != nil || !gjson.ValidBytes(claims) {
		return "", ""
	}
	f := gjson.GetManyBytes(claims, "client_id", "iss")
	iss := f[1].Str
	if i := strings.LastIndexByte(iss, '/'); i >= 0 {
		poolID = iss[i+1:]
	}
	return f[0].Str, poolID
}
