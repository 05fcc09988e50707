package cognito

import (
	"crypto/sha256"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/tidwall/gjson"
)

// Plan is how one request goes upstream.
type Plan struct {
	// Body is the body to forward.
	Body []byte
	// Target is the X-Amz-Target to forward.
	Target string
	// LearnUser asks the proxy to pass a successful response to
	// Rewriter.Learn so a remember-strategy client can later refresh.
	LearnUser bool
	// SignRegion, when not empty, asks the proxy to SigV4-sign the request
	// for SigningService in this region (admin mode).
	SignRegion string
}

// Rewriter applies the Cognito rewrites for the proxy's configured clients.
// It is safe for concurrent use.
type Rewriter struct {
	// Memory stores refresh-token owners for RefreshRemember; it may be nil
	// when no client uses that strategy.
	Memory UsernameMemory
	// TokenLifetime is how long a learned refresh-token owner is kept.
	TokenLifetime time.Duration
}

// Rewrite returns the plan for v, whose body is a valid JSON object, for
// client c (nil for a request that names no configured client).
func (rw *Rewriter) Rewrite(v *request.View, c *Client, now time.Time) (Plan, *Error) {
	plan := Plan{Body: v.Body, Target: v.Target}
	op, ok := Lookup(v.Operation)
	if !ok || c == nil || op.Class != Public {
		return plan, nil
	}
	var err *Error
	switch {
	case v.Operation == "InitiateAuth" && len(c.AllowedAuthFlows) > 0 && !c.AllowedAuthFlows[v.AuthFlow]:
		return plan, InvalidParameter("AuthFlow " + v.AuthFlow + " is not allowed for this client.")
	case c.Admin != nil && (v.Operation == "InitiateAuth" || v.Operation == "RespondToAuthChallenge"):
		return rw.admin(v, c, now)
	case v.Operation == "InitiateAuth" && isRefreshFlow(v.AuthFlow):
		if plan, err = rw.refresh(v, c, now); err != nil || plan.Target != v.Target {
			return plan, err
		}
	case v.Operation == "InitiateAuth" || v.Operation == "RespondToAuthChallenge":
		plan.LearnUser = rw.Memory != nil && c.Refresh == RefreshRemember
		plan.Body, err = addSecret(v, c, op.Secret)
	default:
		plan.Body, err = addSecret(v, c, op.Secret)
	}
	if err != nil {
		return plan, err
	}
	if c.PropagateIP && v.ClientIP.IsValid() && op.Secret != RawSecret {
		plan.Body, err = setString(plan.Body, "UserContextData", "IpAddress", v.ClientIP.String())
	}
	return plan, err
}

// addSecret puts the client's secret where op carries it.
func addSecret(v *request.View, c *Client, where Secret) ([]byte, *Error) {
	secret := clientSecret(c)
	if secret == nil {
		return v.Body, nil
	}
	switch where {
	case TopLevelHash:
		return withHash(v.Body, "", "SecretHash", secret, v.JSON("Username"), c.ID)
	case AuthParamsHash:
		return withHash(v.Body, "AuthParameters", "SECRET_HASH", secret, v.JSON("AuthParameters.USERNAME"), c.ID)
	case ChallengeHash:
		return withHash(v.Body, "ChallengeResponses", "SECRET_HASH", secret, v.JSON("ChallengeResponses.USERNAME"), c.ID)
	case RawSecret:
		return setString(v.Body, "", "ClientSecret", string(secret))
	}
	return v.Body, nil
}

// withHash sets the secret hash over user, always replacing what the client
// sent. Without a user name the hash is computed over "", and Cognito
// answers the call with its own error for the missing name.
func withHash(body []byte, parent, key string, secret []byte, user gjson.Result, clientID string) ([]byte, *Error) {
	name := ""
	if user.Type == gjson.String {
		name = user.Str
	}
	return setString(body, parent, key, SecretHash(secret, name, clientID))
}

func clientSecret(c *Client) []byte {
	if c.Secret == nil {
		return nil
	}
	return c.Secret()
}

func isRefreshFlow(flow string) bool {
	return flow == "REFRESH_TOKEN_AUTH" || flow == "REFRESH_TOKEN"
}

// TokenKey returns the key under which a refresh token's owner is remembered.
func TokenKey(refreshToken string) [32]byte {
	return sha256.Sum256([]byte(refreshToken))
}
