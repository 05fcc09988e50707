package waf

import (
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
)

// Immunity times, in seconds, as AWS WAF bounds ImmunityTimeProperty.
const (
	DefaultImmunitySec = 300
	minImmunitySec     = 60
	maxImmunitySec     = 259200
)

// TokenStatus is what a request's CAPTCHA or challenge token says.
type TokenStatus uint8

// The token states. The failure reasons are AWS WAF's.
const (
	// TokenMissing: the request carries no token (TOKEN_MISSING).
	TokenMissing TokenStatus = iota
	// TokenValid: the token is genuine and bound to this client.
	TokenValid
	// TokenExpired: the token is genuine but its solve time is older than
	// the rule's immunity time (TOKEN_EXPIRED).
	TokenExpired
	// TokenInvalid: the token is forged, corrupt, of the wrong kind or
	// bound to another client (TOKEN_INVALID).
	TokenInvalid
)

// FailureReason returns the status as AWS WAF logs it, or "" for TokenValid.
func (s TokenStatus) FailureReason() string {
	switch s {
	case TokenMissing:
		return "TOKEN_MISSING"
	case TokenExpired:
		return "TOKEN_EXPIRED"
	case TokenInvalid:
		return "TOKEN_INVALID"
	}
	return ""
}

// Tokens checks the aws-waf-token of requests that a CAPTCHA or Challenge
// rule matched. Implementations must be safe for concurrent use.
type Tokens interface {
	// Solved returns when the request's token says a CAPTCHA (kind
	// ActionCaptcha) or challenge (kind ActionChallenge) was last solved,
	// and whether the token is missing, valid or invalid. The engine
	// compares the time with the rule's immunity time.
	Solved(v *request.View, kind Action) (time.Time, TokenStatus)
}

// TokenResult is a CAPTCHA or challenge token check, as AWS WAF logs it in
// captchaResponse and challengeResponse.
type TokenResult struct {
	// Checked reports whether a matching CAPTCHA (or Challenge) rule
	// checked a token; the other fields are meaningful only then.
	Checked bool
	// ResponseCode is 0 when the token was accepted, otherwise the status
	// sent: 405 for CAPTCHA, 202 for Challenge.
	ResponseCode int
	// SolveTimestamp is when the token was solved (Unix seconds), or 0.
	SolveTimestamp int64
	// FailureReason is TOKEN_MISSING, TOKEN_EXPIRED or TOKEN_INVALID, or
	// "" when the token was accepted.
	FailureReason string
}

// immunity returns a rule's immunity time for its CAPTCHA or Challenge
// action: the rule's own config, else the web ACL's, else the default.
func (c *compiler) immunity(path string, kind Action, in *Rule) time.Duration {
	rc, ac, field := in.CaptchaConfig, c.aclCaptcha, ".CaptchaConfig"
	if kind == ActionChallenge {
		rc, ac, field = in.ChallengeConfig, c.aclChallenge, ".ChallengeConfig"
	}
	sec := int64(DefaultImmunitySec)
	for _, cfg := range []*ImmunityConfig{ac, rc} {
		if cfg != nil && cfg.ImmunityTimeProperty != nil {
			sec = cfg.ImmunityTimeProperty.ImmunityTime
		}
	}
	if rc != nil && rc.ImmunityTimeProperty != nil && (sec < minImmunitySec || sec > maxImmunitySec) {
		c.addf(path+field+".ImmunityTimeProperty.ImmunityTime", "ImmunityTime must be %d-%d seconds, got %d", minImmunitySec, maxImmunitySec, sec)
	}
	return time.Duration(sec) * time.Second
}

// tokenAccepted checks the token of a request that r, a CAPTCHA or
// Challenge rule, matched, records the check in the verdict and reports
// whether the token lets the request through (the rule then acts like
// Count).
func (e *Engine) tokenAccepted(c *evalCtx, r *rule) bool {
	res := &c.out.Captcha
	code := 405
	if r.action == ActionChallenge {
		res, code = &c.out.Challenge, 202
	}
	st := TokenMissing
	var at time.Time
	if e.tokens != nil {
		at, st = e.tokens.Solved(c.v, r.action)
	}
	if st == TokenValid && c.now.Sub(at) > r.immunity {
		st = TokenExpired
	}
	*res = TokenResult{Checked: true, FailureReason: st.FailureReason()}
	if !at.IsZero() {
		res.SolveTimestamp = at.Unix()
	}
	if st != TokenValid {
		res.ResponseCode = code
		return false
	}
	return true
}
