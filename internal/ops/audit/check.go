package audit

import (
	"cmp"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// poolCheck inspects pool-wide settings.
type poolCheck func(s *Snapshot, p *Proxy) []Finding

// clientCheck inspects one app client.
type clientCheck func(s *Snapshot, c *types.UserPoolClientType, p *Proxy) []Finding

// The checks, in report order within a severity.
var (
	poolChecks = []poolCheck{
		checkUnverifiedUpdate, checkSelfSignUp, checkThreatProtection,
		checkDeletionProtection, checkSMSLimits, checkMissingClients,
	}
	clientChecks = []clientCheck{
		checkCustomWrites, checkIdentityWrites, checkAdminScope,
		checkUserExistence, checkAuthFlows, checkNoSecret,
		checkContextData, checkRevocation, checkTokenValidity,
	}
)

// Check returns the findings for s, given the proxy's configuration p,
// sorted by severity (highest first), then resource and check id.
func Check(s *Snapshot, p *Proxy) []Finding {
	var out []Finding
	for _, c := range poolChecks {
		out = append(out, c(s, p)...)
	}
	for i := range s.Clients {
		c := &s.Clients[i]
		for _, chk := range clientChecks {
			for _, f := range chk(s, c, p) {
				f.ClientID, f.ClientName = aws.ToString(c.ClientId), aws.ToString(c.ClientName)
				out = append(out, f)
			}
		}
	}
	id := aws.ToString(s.Pool.Id)
	for i := range out {
		out[i].PoolID = id
	}
	Sort(out)
	return out
}

// Sort orders findings by severity (highest first), pool, client and id.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.PoolID, b.PoolID),
			cmp.Compare(a.ClientID, b.ClientID), cmp.Compare(a.ID, b.ID))
	})
}

// Worst returns the highest severity in fs and reports whether fs has any.
func Worst(fs []Finding) (Severity, bool) {
	w := Info
	for _, f := range fs {
		w = max(w, f.Severity)
	}
	return w, len(fs) > 0
}

// standardMutable are the standard attributes every pool has and users may
// write by default (sub, email_verified and phone_number_verified are not
// writable by users).
var standardMutable = []string{
	"address", "birthdate", "email", "family_name", "gender", "given_name", "locale", "middle_name", "name",
	"nickname", "phone_number", "picture", "preferred_username", "profile", "updated_at", "website", "zoneinfo",
}

// writable returns the attributes client c may write: its WriteAttributes,
// or, when the list is empty (Cognito's default), every standard attribute
// and every custom attribute of the pool that is not developer-only.
// (Immutable custom attributes are included: they can still be set once,
// at SignUp.)
func writable(s *Snapshot, c *types.UserPoolClientType) []string {
	if len(c.WriteAttributes) > 0 {
		return c.WriteAttributes
	}
	out := slices.Clone(standardMutable)
	for _, a := range s.Pool.SchemaAttributes {
		if n := aws.ToString(a.Name); isCustom(n) && !aws.ToBool(a.DeveloperOnlyAttribute) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func isCustom(name string) bool { return len(name) > 7 && name[:7] == "custom:" }
