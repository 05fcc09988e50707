package cognito

import (
	"net/http"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/tidwall/gjson"
)

// SigningService is the SigV4 service name of the user pools API.
const SigningService = "cognito-idp"

// DefaultContextHeaders are the request headers copied into an Admin call's
// ContextData.HttpHeaders when a client configures none.
var DefaultContextHeaders = []string{"User-Agent", "Accept-Language", "Origin", "Referer", "X-Forwarded-For"}

// AdminMode is a client's advanced-security mode: InitiateAuth and
// RespondToAuthChallenge go upstream as AdminInitiateAuth and
// AdminRespondToAuthChallenge, SigV4-signed by the proxy, with ContextData
// describing the real client so that Cognito's threat protection judges the
// user rather than the proxy. An AdminMode is read-only once built.
type AdminMode struct {
	// Region is the SigV4 signing region, e.g. "us-east-1".
	Region string
	// ContextHeaders are the request headers copied, when present and in
	// this order, into ContextData.HttpHeaders.
	ContextHeaders []string
}

// PoolRegion returns the region prefix of a user pool id ("us-east-1" for
// "us-east-1_AbC123"), or "" when poolID has none.
func PoolRegion(poolID string) string {
	region, _, ok := strings.Cut(poolID, "_")
	if !ok {
		return ""
	}
	return region
}

// adminFields are the members of each public request that its Admin
// counterpart also models (from the cognito-idp service model). Everything
// else the client sent, notably UserContextData and any UserPoolId or
// ContextData of its own, is dropped: the proxy sets those.
var adminFields = map[string][]string{
	"InitiateAuth":           {"AuthFlow", "AuthParameters", "ClientMetadata", "AnalyticsMetadata", "Session"},
	"RespondToAuthChallenge": {"ChallengeName", "ChallengeResponses", "Session", "AnalyticsMetadata", "ClientMetadata"},
}

// admin plans InitiateAuth or RespondToAuthChallenge for a client in admin
// mode. The Admin operations answer in the same shape as the public ones
// (ChallengeName, Session, ChallengeParameters, AuthenticationResult and,
// for InitiateAuth, AvailableChallenges), so responses are relayed as they
// are; so are Cognito's errors.
func (rw *Rewriter) admin(v *request.View, c *Client, now time.Time) (Plan, *Error) {
	op, _ := Lookup(v.Operation)
	var body []byte
	var err *Error
	if v.Operation == "InitiateAuth" && isRefreshFlow(v.AuthFlow) {
		var fallback bool
		if body, fallback, err = rw.adminRefreshBody(v, c, now); err != nil || fallback {
			if fallback {
				return getTokensPlan(v, c.ID, clientSecret(c), v.JSON("AuthParameters.REFRESH_TOKEN").Str)
			}
			return Plan{}, err
		}
	} else if body, err = addSecret(v, c, op.Secret); err != nil {
		return Plan{}, err
	}
	return Plan{
		Body:       adminBody(body, v, c),
		Target:     TargetPrefix + "Admin" + v.Operation,
		LearnUser:  rw.Memory != nil && c.Refresh != RefreshRawSecret,
		SignRegion: c.Admin.Region,
	}, nil
}

// adminRefreshBody returns the REFRESH_TOKEN_AUTH body with its secret hash.
// Real Cognito hashes the refresh token's cognito:username, which the proxy
// knows only from a sign-in it relayed; for an unknown token with a secret
// it reports fallback, and the call goes out as GetTokensFromRefreshToken
// with the raw secret (a public operation without ContextData). The
// raw_secret strategy puts the raw secret in SECRET_HASH, as in public mode.
func (rw *Rewriter) adminRefreshBody(v *request.View, c *Client, now time.Time) (body []byte, fallback bool, err *Error) {
	secret := clientSecret(c)
	if secret == nil {
		return v.Body, false, nil
	}
	if c.Refresh == RefreshRawSecret {
		body, err = setString(v.Body, "AuthParameters", "SECRET_HASH", string(secret))
		return body, false, err
	}
	if rw.Memory != nil {
		if user, ok := rw.Memory.Recall(TokenKey(v.JSON("AuthParameters.REFRESH_TOKEN").Str), now); ok {
			body, err = setString(v.Body, "AuthParameters", "SECRET_HASH", SecretHash(secret, user, c.ID))
			return body, false, err
		}
	}
	return nil, true, nil
}

// adminBody builds the Admin request from the rewritten public body src:
// UserPoolId and ClientId first, then the modelled members of src (with
// USER_PASSWORD_AUTH renamed ADMIN_USER_PASSWORD_AUTH), then ContextData.
func adminBody(src []byte, v *request.View, c *Client) []byte {
	out := make([]byte, 0, len(src)+256)
	out = append(out, `{"UserPoolId":`...)
	out = appendJSONString(out, c.UserPoolID)
	out = append(out, `,"ClientId":`...)
	out = appendJSONString(out, c.ID)
	fields := adminFields[v.Operation]
	vals := gjson.GetManyBytes(src, fields...)
	for i, f := range fields {
		r := vals[i]
		if !r.Exists() {
			continue
		}
		out = append(out, ',')
		out = appendJSONString(out, f)
		out = append(out, ':')
		if f == "AuthFlow" && r.Type == gjson.String && r.Str == "USER_PASSWORD_AUTH" {
			out = append(out, `"ADMIN_USER_PASSWORD_AUTH"`...)
			continue
		}
		out = append(out, r.Raw...)
	}
	if v.ClientIP.IsValid() {
		out = append(out, `,"ContextData":`...)
		out = AppendContextData(out, v, c.Admin.ContextHeaders)
	}
	return append(out, '}')
}

// AppendContextData appends the ContextData object for v to b: IpAddress
// (the client address as the proxy determined it), ServerName and ServerPath
// (the host and path the client called), HttpHeaders (each header in names
// the request carries, its values joined with ", "; absent ones are left
// out) and EncodedData from the client's UserContextData, when it sent one.
func AppendContextData(b []byte, v *request.View, names []string) []byte {
	b = append(b, `{"IpAddress":`...)
	b = appendJSONString(b, v.ClientIP.String())
	b = append(b, `,"ServerName":`...)
	b = appendJSONString(b, v.Host)
	b = append(b, `,"ServerPath":`...)
	b = appendJSONString(b, v.Path)
	b = append(b, `,"HttpHeaders":[`...)
	n := 0
	for _, name := range names {
		vals := http.Header(v.Header).Values(name)
		if len(vals) == 0 {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, `{"headerName":`...)
		b = appendJSONString(b, http.CanonicalHeaderKey(name))
		b = append(b, `,"headerValue":`...)
		b = appendJSONString(b, strings.ToValidUTF8(strings.Join(vals, ", "), "\uFFFD"))
		b = append(b, '}')
	}
	b = append(b, ']')
	if ed := v.JSON("UserContextData.EncodedData"); ed.Type == gjson.String {
		b = append(b, `,"EncodedData":`...)
		b = appendJSONString(b, ed.Str)
	}
	return append(b, '}')
}
