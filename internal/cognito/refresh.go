package cognito

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/tidwall/gjson"
)

// refresh plans InitiateAuth REFRESH_TOKEN_AUTH for client c.
func (rw *Rewriter) refresh(v *request.View, c *Client, now time.Time) (Plan, *Error) {
	plan := Plan{Body: v.Body, Target: v.Target}
	secret := clientSecret(c)
	if secret == nil {
		return plan, nil
	}
	token := v.JSON("AuthParameters.REFRESH_TOKEN").Str
	switch c.Refresh {
	case RefreshRawSecret:
		body, err := setString(v.Body, "AuthParameters", "SECRET_HASH", string(secret))
		plan.Body = body
		return plan, err
	case RefreshRemember:
		if rw.Memory != nil {
			if user, ok := rw.Memory.Recall(TokenKey(token), now); ok {
				body, err := setString(v.Body, "AuthParameters", "SECRET_HASH", SecretHash(secret, user, c.ID))
				plan.Body = body
				return plan, err
			}
		}
	}
	return getTokensPlan(v, c.ID, secret, token)
}

// getTokensPlan turns InitiateAuth REFRESH_TOKEN_AUTH into
// GetTokensFromRefreshToken. Its response, {"AuthenticationResult": {...}},
// is already in InitiateAuth's response shape.
func getTokensPlan(v *request.View, clientID string, secret []byte, token string) (Plan, *Error) {
	body := []byte(`{}`)
	var err *Error
	fields := [][2]string{{"ClientId", clientID}, {"RefreshToken", token}, {"ClientSecret", string(secret)}}
	if dk := v.JSON("AuthParameters.DEVICE_KEY"); dk.Type == gjson.String {
		fields = append(fields, [2]string{"DeviceKey", dk.Str})
	}
	for _, f := range fields {
		if body, err = setString(body, "", f[0], f[1]); err != nil {
			return Plan{}, err
		}
	}
	if md := v.JSON("ClientMetadata"); md.IsObject() {
		body = body[:len(body)-1]
		body = append(append(append(body, `,"ClientMetadata":`...), md.Raw...), '}')
	}
	return Plan{Body: body, Target: TargetPrefix + "GetTokensFromRefreshToken"}, nil
}

// Learn records the owner of the refresh token in a successful
// InitiateAuth or RespondToAuthChallenge response body.
func (rw *Rewriter) Learn(resp []byte, now time.Time) {
	if rw.Memory == nil {
		return
	}
	res := gjson.GetBytes(resp, "AuthenticationResult")
	token, id := res.Get("RefreshToken").Str, res.Get("IdToken").Str
	if token == "" || id == "" {
		return
	}
	user := jwtClaim(id, "cognito:username")
	if user == "" {
		return
	}
	life := rw.TokenLifetime
	if life <= 0 {
		life = 30 * 24 * time.Hour
	}
	rw.Memory.Remember(TokenKey(token), user, now, now.Add(life))
}

// jwtClaim returns a string claim from a JWT's payload without verifying
// the signature: the token comes from the upstream over the proxy's own
// connection and is only used to name the user in a secret hash, which
// Cognito verifies.
func jwtClaim(token, claim string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	return gjson.GetBytes(payload, gjson.Escape(claim)).Str
}
