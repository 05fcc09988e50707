package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// updateNote warns that UpdateUserPoolClient resets omitted settings.
const updateNote = " UpdateUserPoolClient resets every setting you omit to its default: send the whole current configuration from DescribeUserPoolClient with this change."

// identityAttributes are standard attributes apps use to identify a user.
var identityAttributes = []string{"email", "phone_number", "preferred_username"}

// checkCustomWrites finds custom attributes a client lets users write
// (the first attack of the Haufe-Lexware article "A call for debate on how to secure AWS Cognito": custom:tenant).
func checkCustomWrites(s *Snapshot, c *types.UserPoolClientType, _ *Proxy) []Finding {
	var bad, keep []string
	for _, a := range writable(s, c) {
		if isCustom(a) {
			bad = append(bad, a)
		} else if !slices.Contains(identityAttributes, a) {
			keep = append(keep, a)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	how := "its WriteAttributes list them"
	if len(c.WriteAttributes) == 0 {
		how = "it has no WriteAttributes list, so every attribute is writable"
	}
	list := strings.Join(bad, ", ")
	return []Finding{{
		ID: "writable-custom-attributes", Severity: High,
		Title: "Users can rewrite their own " + list,
		Reason: "The client may write " + list + " (" + how + "). Any signed-in user can call UpdateUserAttributes with their own access token, straight to Cognito, " +
			"and change e.g. custom:tenant to cross tenant boundaries (see \"A call for debate on how to secure AWS Cognito\", Haufe-Lexware); the proxy cannot see calls that skip it. Apps that use these attributes for authorization must not let users write them.",
		Console: "User pools > (pool) > App integration > App clients > (client) > Attribute permissions > Edit: clear Write for " + list + ".",
		API:     "UpdateUserPoolClient WriteAttributes = [" + strings.Join(keep, ", ") + "] (without " + list + ")." + updateNote,
	}}
}

// checkIdentityWrites finds identity attributes users can change.
func checkIdentityWrites(s *Snapshot, c *types.UserPoolClientType, _ *Proxy) []Finding {
	var bad []string
	for _, a := range writable(s, c) {
		if slices.Contains(identityAttributes, a) {
			bad = append(bad, a)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	list := strings.Join(bad, ", ")
	return []Finding{{
		ID: "writable-identity-attributes", Severity: Medium,
		Title:   "Users can change their own " + list,
		Reason:  "Apps that identify users by " + list + " (instead of sub) can be confused by a user who changes them; with unverified updates (see unverified-attribute-update) this is account takeover.",
		Console: "User pools > (pool) > App integration > App clients > (client) > Attribute permissions > Edit: clear Write for " + list + " unless users must edit them.",
		API:     "UpdateUserPoolClient WriteAttributes without " + list + "." + updateNote,
	}}
}

func checkAdminScope(_ *Snapshot, c *types.UserPoolClientType, _ *Proxy) []Finding {
	if !slices.Contains(c.AllowedOAuthScopes, "aws.cognito.signin.user.admin") {
		return nil
	}
	return []Finding{{
		ID: "user-admin-scope", Severity: Medium,
		Title:   "Hosted UI tokens carry aws.cognito.signin.user.admin",
		Reason:  "Access tokens with this scope authorise the user's own self-service calls (UpdateUserAttributes, DeleteUserAttributes, DeleteUser, ...) straight to Cognito. Tokens from API sign-in (InitiateAuth) always carry it, so also restrict WriteAttributes and attach the exported web ACL.",
		Console: "User pools > (pool) > App integration > App clients > (client) > Login pages > Edit: clear the aws.cognito.signin.user.admin OpenID Connect scope.",
		API:     "UpdateUserPoolClient AllowedOAuthScopes without aws.cognito.signin.user.admin." + updateNote,
	}}
}

func checkUserExistence(_ *Snapshot, c *types.UserPoolClientType, p *Proxy) []Finding {
	if c.PreventUserExistenceErrors == types.PreventUserExistenceErrorTypesEnabled {
		return nil
	}
	sev, extra := Medium, ""
	if pc, ok := p.Clients[aws.ToString(c.ClientId)]; ok && pc.PreventUserExistenceErrors {
		sev, extra = Low, " The proxy hides them (prevent_user_existence_errors), but calls that skip the proxy do not."
	}
	return []Finding{{
		ID: "user-existence-errors", Severity: sev,
		Title:   "Sign-in and recovery reveal whether a user exists",
		Reason:  "With PreventUserExistenceErrors LEGACY (the API default), InitiateAuth, ForgotPassword and the confirmation operations answer UserNotFoundException, so anyone can enumerate users." + extra,
		Console: "User pools > (pool) > App integration > App clients > (client) > Edit > Advanced security configurations: select \"Prevent user existence errors\".",
		API:     "UpdateUserPoolClient PreventUserExistenceErrors = ENABLED." + updateNote,
	}}
}

// legacyFlows are the pre-2019 ExplicitAuthFlows names and the password flow.
var weakFlows = []types.ExplicitAuthFlowsType{
	types.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
	types.ExplicitAuthFlowsTypeUserPasswordAuth,
	types.ExplicitAuthFlowsTypeAdminNoSrpAuth,
	types.ExplicitAuthFlowsTypeCustomAuthFlowOnly,
}

func checkAuthFlows(_ *Snapshot, c *types.UserPoolClientType, _ *Proxy) []Finding {
	var bad, keep []string
	for _, f := range c.ExplicitAuthFlows {
		if slices.Contains(weakFlows, f) {
			bad = append(bad, string(f))
		} else {
			keep = append(keep, string(f))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	list := strings.Join(bad, ", ")
	return []Finding{{
		ID: "password-auth-flows", Severity: Medium,
		Title:   "The client allows " + list,
		Reason:  "USER_PASSWORD_AUTH sends the password itself to Cognito (and through every hop in between) and is the flow credential-stuffing tools use; the legacy flow names (ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH) predate the ALLOW_ names and cannot be combined with refresh-token controls.",
		Console: "User pools > (pool) > App integration > App clients > (client) > Edit > Authentication flows: clear ALLOW_USER_PASSWORD_AUTH; use ALLOW_USER_SRP_AUTH and ALLOW_REFRESH_TOKEN_AUTH.",
		API:     "UpdateUserPoolClient ExplicitAuthFlows = [" + strings.Join(keep, ", ") + "] (without " + list + ")." + updateNote,
	}}
}

func checkNoSecret(_ *Snapshot, c *types.UserPoolClientType, p *Proxy) []Finding {
	if aws.ToString(c.ClientSecret) != "" {
		return nil
	}
	sev, why := Medium, "This client is not behind the proxy: its users call Cognito directly, with none of the proxy's rules."
	if _, ok := p.Clients[aws.ToString(c.ClientId)]; ok {
		sev, why = High, "The proxy serves this client, but without a secret anyone can call SignUp, InitiateAuth and ForgotPassword straight to Cognito and skip every rule of the proxy."
	}
	return []Finding{{
		ID: "client-without-secret", Severity: sev,
		Title:   "The app client has no client secret",
		Reason:  why + " With a secret only the proxy (which holds it) can call the public operations.",
		Console: "User pools > (pool) > App integration > App clients > Create app client with \"Generate a client secret\" (a secret cannot be added to an existing client in the console), then point the app and the proxy at it.",
		API:     "AddUserPoolClientSecret (or CreateUserPoolClient GenerateSecret = true); give the secret to the proxy (clients[].client_secret), never to the app.",
	}}
}

func checkContextData(_ *Snapshot, c *types.UserPoolClientType, p *Proxy) []Finding {
	pc, ok := p.Clients[aws.ToString(c.ClientId)]
	if !ok || !pc.PropagateIP || aws.ToBool(c.EnablePropagateAdditionalUserContextData) {
		return nil
	}
	return []Finding{{
		ID: "context-data-off", Severity: Medium,
		Title:   "The proxy sends the user's IP address, but the client ignores it",
		Reason:  "propagate_ip adds UserContextData.IpAddress, which Cognito reads only when EnablePropagateAdditionalUserContextData is on (and the client has a secret); threat protection then sees the proxy's address for every user.",
		Console: "User pools > (pool) > App integration > App clients > (client) > Edit > Advanced security configurations: select \"Enable propagation of additional user context data\".",
		API:     "UpdateUserPoolClient EnablePropagateAdditionalUserContextData = true." + updateNote,
	}}
}

func checkRevocation(_ *Snapshot, c *types.UserPoolClientType, _ *Proxy) []Finding {
	if c.EnableTokenRevocation == nil || *c.EnableTokenRevocation {
		return nil
	}
	return []Finding{{
		ID: "token-revocation-off", Severity: Medium,
		Title:   "Refresh tokens cannot be revoked",
		Reason:  "Without token revocation, RevokeToken fails and a stolen refresh token keeps minting access tokens until it expires; sign-out does not end the session.",
		Console: "User pools > (pool) > App integration > App clients > (client) > Edit > Advanced security configurations: select \"Enable token revocation\".",
		API:     "UpdateUserPoolClient EnableTokenRevocation = true." + updateNote,
	}}
}

// Token lifetimes above these are reported.
const (
	maxRefreshValidity = 30 * 24 * time.Hour
	maxAccessValidity  = time.Hour
)

func checkTokenValidity(_ *Snapshot, c *types.UserPoolClientType, _ *Proxy) []Finding {
	var units types.TokenValidityUnitsType
	if c.TokenValidityUnits != nil {
		units = *c.TokenValidityUnits
	}
	var long []string
	if d := validity(int64(c.RefreshTokenValidity), units.RefreshToken, types.TimeUnitsTypeDays); d > maxRefreshValidity {
		long = append(long, "refresh token "+human(d))
	}
	if d := validity(int64(aws.ToInt32(c.AccessTokenValidity)), units.AccessToken, types.TimeUnitsTypeHours); d > maxAccessValidity {
		long = append(long, "access token "+human(d))
	}
	if d := validity(int64(aws.ToInt32(c.IdTokenValidity)), units.IdToken, types.TimeUnitsTypeHours); d > maxAccessValidity {
		long = append(long, "ID token "+human(d))
	}
	if len(long) == 0 {
		return nil
	}
	return []Finding{{
		ID: "long-token-validity", Severity: Low,
		Title:   "Long-lived tokens: " + strings.Join(long, ", "),
		Reason:  "Access and ID tokens cannot be revoked before they expire, and a refresh token lives as long as its validity; keep access/ID tokens at 1 hour or less and refresh tokens at 30 days or less.",
		Console: "User pools > (pool) > App integration > App clients > (client) > Edit > Token expiration.",
		API:     "UpdateUserPoolClient AccessTokenValidity, IdTokenValidity, RefreshTokenValidity with TokenValidityUnits." + updateNote,
	}}
}

func validity(n int64, unit, def types.TimeUnitsType) time.Duration {
	if unit == "" {
		unit = def
	}
	per := map[types.TimeUnitsType]time.Duration{
		types.TimeUnitsTypeSeconds: time.Second, types.TimeUnitsTypeMinutes: time.Minute,
		types.TimeUnitsTypeHours: time.Hour, types.TimeUnitsTypeDays: 24 * time.Hour,
	}[unit]
	return time.Duration(n) * per
}

func human(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}
