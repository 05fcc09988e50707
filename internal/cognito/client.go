package cognito

import (
	"fmt"
	"time"
)

// Refresh is a strategy for InitiateAuth REFRESH_TOKEN_AUTH, which carries no
// user name to hash.
type Refresh uint8

// Refresh strategies.
const (
	// RefreshGetTokens rewrites the call into GetTokensFromRefreshToken with
	// the raw secret and answers in InitiateAuth's response shape.
	RefreshGetTokens Refresh = iota
	// RefreshRemember hashes the cognito:username the proxy learned from
	// the sign-in that issued the refresh token; an unknown token falls back
	// to RefreshGetTokens.
	RefreshRemember
	// RefreshRawSecret puts the raw client secret in SECRET_HASH, as the
	// reference Lambda@Edge implementation does.
	RefreshRawSecret
)

// ParseRefresh returns the strategy named s.
func ParseRefresh(s string) (Refresh, bool) {
	switch s {
	case "", "get_tokens":
		return RefreshGetTokens, true
	case "remember":
		return RefreshRemember, true
	case "raw_secret":
		return RefreshRawSecret, true
	}
	return 0, false
}

// String returns the strategy's config name.
func (r Refresh) String() string {
	switch r {
	case RefreshRemember:
		return "remember"
	case RefreshRawSecret:
		return "raw_secret"
	}
	return "get_tokens"
}

// UnmarshalText sets r to the strategy named text (ParseRefresh), so that a
// configuration decodes the name once into the strategy.
func (r *Refresh) UnmarshalText(text []byte) error {
	v, ok := ParseRefresh(string(text))
	if !ok {
		return fmt.Errorf("%q is not one of get_tokens, remember, raw_secret", text)
	}
	*r = v
	return nil
}

// MarshalText returns the strategy's config name.
func (r Refresh) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Client is the proxy's policy for one app client.
type Client struct {
	// ID is the app client id.
	ID string
	// UserPoolID is the user pool the client belongs to.
	UserPoolID string
	// Secret returns the current client secret; nil when the client has none.
	Secret func() []byte
	// PropagateIP adds UserContextData.IpAddress to public operations.
	PropagateIP bool
	// Refresh is the refresh-token strategy.
	Refresh Refresh
	// AllowedAuthFlows, when non-empty, lists the AuthFlow values InitiateAuth may use.
	AllowedAuthFlows map[string]bool
	// Protection is the client's request-level policy (see CheckRequest).
	Protection Protection
	// Admin, when not nil, puts the client in admin (advanced-security) mode.
	Admin *AdminMode
	// NoPhoneUsernames declares that the client's pool never reads a user
	// name as a phone number (its username_attributes leave out
	// phone_number); by default a user name written as an international
	// number is taken for the phone number the pool will text.
	NoPhoneUsernames bool
}

// UsernameMemory remembers which user a refresh token belongs to. Keys are
// hashes of refresh tokens; the tokens themselves are never stored.
type UsernameMemory interface {
	// Remember records that the refresh token with hash key belongs to
	// username, until expires.
	Remember(key [32]byte, username string, now, expires time.Time)
	// Recall returns the user name for key and reports whether it is known
	// and unexpired at now.
	Recall(key [32]byte, now time.Time) (string, bool)
}
