// Package proxy is poolguard's HTTP pipeline: it reads a client's Cognito
// call once, builds the request view, applies the operation policy and the
// Cognito rewrites, forwards the call upstream over pooled connections and
// relays the answer. Every error the proxy itself produces is in Cognito's
// shape.
package proxy

import (
	"net/http"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/edge/challenge"
	"github.com/poolguard/poolguard/internal/edge/clientip"
	"github.com/poolguard/poolguard/internal/edge/hook"
	"github.com/poolguard/poolguard/internal/rules/breached"
	"github.com/poolguard/poolguard/internal/rules/outcome"
	"github.com/poolguard/poolguard/internal/rules/signals"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// State is everything a request reads that a reload may replace. A State is
// immutable once published; the Handler swaps whole States atomically.
type State struct {
	// Clients are the configured app clients by id.
	Clients map[string]*cognito.Client
	// Protected reports whether any client has request protections, so
	// that requests need cognito.CheckRequest (which decodes access tokens).
	Protected bool
	// PassUnknownClients forwards calls naming an unlisted ClientId
	// untouched; otherwise they are refused.
	PassUnknownClients bool
	// OnlyPool is the user pool every call this proxy serves is for: set
	// when all configured clients are in one pool and unlisted clients
	// are refused. The WAF log names it (httpSourceId) for a call whose
	// body names no listed client and for a call refused on its head,
	// whose body is never read.
	OnlyPool string
	// Policy decides which operations are forwarded.
	Policy Policy
	// CORS answers cross-origin requests.
	CORS CORS
	// ClientIP resolves client addresses.
	ClientIP *clientip.Resolver
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64
	// Rewriter applies the Cognito rewrites.
	Rewriter *cognito.Rewriter
	// WAF is the compiled web ACL; nil evaluates nothing.
	WAF *waf.Engine
	// Signer signs admin-mode requests; nil when no client uses admin mode.
	Signer *Signer
	// Hook is the external decision hook; nil asks none.
	Hook *hook.Hook
	// UpstreamHeaders are added to every upstream request (the pool ACL's
	// proxy header); a client's own values for them are replaced.
	UpstreamHeaders []waf.HeaderField
	// HostedUI serves the Hosted UI / OAuth2 listener; nil when not configured.
	HostedUI http.Handler
	// Signals labels requests (IP lists, geo, bot signals) before the web
	// ACL; nil adds no labels.
	Signals *signals.Signals
	// Breached is the breached-password filter; nil checks no password.
	Breached *breached.Filter
	// Challenge answers CAPTCHA/Challenge actions for browsers and serves
	// challenge.Prefix; nil answers them with 405/202 only.
	Challenge *challenge.Service
	// Outcomes is the attack-protection tracker: it labels sign-in,
	// recovery and SMS-sending calls from the counts of Cognito's earlier
	// answers, and counts each answer; nil tracks nothing.
	Outcomes *outcome.Tracker
}

// Policy is the operation policy by class.
type Policy struct {
	// AllowIAM forwards IAM-signed operations.
	AllowIAM bool
	// AllowTokenAuth forwards token-authorised operations.
	AllowTokenAuth bool
	// Deny refuses the named operations whatever their class.
	Deny map[string]bool
}

// Check returns the error for an operation the policy refuses, or nil.
func (p *Policy) Check(op *cognito.Operation) *cognito.Error {
	switch {
	case p.Deny[op.Name]:
		return cognito.Forbidden("Operation " + op.Name + " is not allowed through this endpoint.")
	case op.Class == cognito.IAM && !p.AllowIAM:
		return cognito.Forbidden("Operation " + op.Name + " requires AWS credentials and is not allowed through this endpoint.")
	case op.Class == cognito.TokenAuth && !p.AllowTokenAuth:
		return cognito.Forbidden("Operation " + op.Name + " is not allowed through this endpoint.")
	}
	return nil
}
