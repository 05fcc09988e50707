package cognito

import (
	"net/http"
	"strings"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/tidwall/gjson"
)

// Protection is the request-level policy of one app client, on top of the
// operation policy by class. The zero value protects nothing. A Protection
// is read-only once its Client is published.
type Protection struct {
	// Attributes are user attribute names the client may not write (set at
	// SignUp, in a NEW_PASSWORD_REQUIRED answer, or through
	// UpdateUserAttributes) nor delete (DeleteUserAttributes). Names match
	// case-insensitively; an entry ending in "*" matches every name with
	// that prefix ("custom:*").
	Attributes []string
	// ForbiddenOperations are operations refused for this client whatever
	// their class.
	ForbiddenOperations map[string]bool
	// HideUserExistence rewrites the upstream answers that would tell a
	// caller whether a user exists into the answers Cognito gives with
	// PreventUserExistenceErrors ENABLED (see HideUserExistence).
	HideUserExistence bool
}

// Checks reports whether p refuses any request (forbidden operations or
// protected attributes), that is whether CheckRequest can find anything.
func (p *Protection) Checks() bool {
	return len(p.Attributes) > 0 || len(p.ForbiddenOperations) > 0
}

// ErrUnauthorizedAttribute is Cognito's own answer to a write of an
// attribute the app client may not write (SignUp and UpdateUserAttributes
// with an attribute missing from the client's WriteAttributes).
var ErrUnauthorizedAttribute = &Error{http.StatusBadRequest, "NotAuthorizedException", "A client attempted to write unauthorized attribute"}

// CheckRequest returns the error to answer when v breaks the Protection of
// the client it comes from, or nil.
//
// Public operations name their client in ClientId. Token-authorised
// operations carry no ClientId: their client is the client_id claim of the
// access token. The claim is read without checking the token's signature,
// which is sound because Cognito refuses a token whose claims were altered.
// When the token names no configured client (or cannot be read), every
// configured client of the token's pool (iss claim; every client when that
// is unknown too) applies, so an unknown token meets the strictest policy.
// IAM operations are the developer's and are not checked.
func CheckRequest(clients map[string]*Client, v *request.View) *Error {
	op, ok := Lookup(v.Operation)
	if !ok || op.Class == IAM {
		return nil
	}
	if op.Class == Public {
		if c := clients[v.ClientID]; c != nil {
			return c.Protection.check(op, v)
		}
		return nil
	}
	id, pool := TokenClient(v.JSON("AccessToken").Str)
	if c := clients[id]; c != nil {
		return c.Protection.check(op, v)
	}
	var first *Error
	for _, c := range clients {
		if pool != "" && c.UserPoolID != "" && c.UserPoolID != pool {
			continue
		}
		if err := c.Protection.check(op, v); err != nil && (first == nil || err.Type < first.Type) {
			first = err // the same answer whatever the map order
		}
	}
	return first
}

// check applies p to one request of operation op.
func (p *Protection) check(op *Operation, v *request.View) *Error {
	if p.ForbiddenOperations[op.Name] {
		return Forbidden("Operation " + op.Name + " is not allowed for this app client.")
	}
	if len(p.Attributes) == 0 {
		return nil
	}
	var err *Error
	writes := func(name string) bool {
		if p.protects(name) {
			err = ErrUnauthorizedAttribute
		}
		return err == nil
	}
	switch op.Name {
	case "SignUp", "UpdateUserAttributes":
		v.JSON("UserAttributes").ForEach(func(_, a gjson.Result) bool {
			if a.IsObject() && duplicateKey(a) != "" {
				err = Serialization("Duplicate key in UserAttributes entry.")
				return false
			}
			return writes(a.Get("Name").String())
		})
	case "DeleteUserAttributes":
		v.JSON("UserAttributeNames").ForEach(func(_, n gjson.Result) bool { return writes(n.String()) })
	case "RespondToAuthChallenge":
		// NEW_PASSWORD_REQUIRED answers may set attributes as
		// ChallengeResponses["userAttributes.<name>"].
		v.JSON("ChallengeResponses").ForEach(func(k, _ gjson.Result) bool {
			name, ok := strings.CutPrefix(k.Str, "userAttributes.")
			return !ok || writes(name)
		})
	}
	return err
}

// protects reports whether p forbids writing the attribute name.
func (p *Protection) protects(name string) bool {
	for _, a := range p.Attributes {
		if prefix, ok := strings.CutSuffix(a, "*"); ok {
			if len(name) >= len(prefix) && strings.EqualFold(name[:len(prefix)], prefix) {
				return true
			}
		} else if strings.EqualFold(name, a) {
			return true
		}
	}
	return false
}
