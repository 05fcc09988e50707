package waf

// Action is what the web ACL does with a request, as AWS WAF logs it.
type Action string

// The actions. ActionCount appears only in non-terminating matches.
const (
	ActionAllow     Action = "ALLOW"
	ActionBlock     Action = "BLOCK"
	ActionCaptcha   Action = "CAPTCHA"
	ActionChallenge Action = "CHALLENGE"
	ActionCount     Action = "COUNT"
)

// RuleType is the kind of rule that matched, as AWS WAF logs it in
// terminatingRuleType.
type RuleType string

// The rule types.
const (
	RuleTypeRegular   RuleType = "REGULAR"
	RuleTypeRateBased RuleType = "RATE_BASED"
	RuleTypeGroup     RuleType = "GROUP"
)

// DefaultActionID is the TerminatingRuleID when no rule terminated the
// request and the web ACL's default action applied.
const DefaultActionID = "Default_Action"

// Verdict is the web ACL's decision for one request.
//
// A Verdict is meant to be reused: Evaluate resets it and reuses the
// capacity of its slices, so steady-state evaluation does not allocate.
// Strings and the CustomResponse are shared with the Engine and must not be
// modified. The zero value is ready to use.
type Verdict struct {
	// Action is ALLOW, BLOCK, CAPTCHA or CHALLENGE.
	Action Action
	// TerminatingRuleID is the name of the rule that decided Action, or
	// DefaultActionID. For a rule inside a rule group it is the web ACL
	// rule that references the group (see TerminatingGroupRuleID).
	TerminatingRuleID string
	// TerminatingRuleType is the kind of that rule; empty for the default
	// action.
	TerminatingRuleType RuleType
	// TerminatingGroupRuleID is the name of the rule inside a rule group
	// that decided Action, when TerminatingRuleType is GROUP.
	TerminatingGroupRuleID string
	// Labels are the fully-qualified labels the matching rules added, in
	// the order they were added.
	Labels []string
	// NonTerminating lists the rules that matched with a Count action.
	NonTerminating []RuleMatch
	// RateBased describes each rate-based rule whose key was over its limit.
	RateBased []RateBasedMatch
	// CustomResponse is the Block action's custom response; nil means the
	// default response (the proxy renders 403 ForbiddenException).
	CustomResponse *Response
	// InsertHeaders are the headers to add to the request sent upstream
	// (CustomRequestHandling of Allow and Count actions); names already
	// carry the x-amzn-waf- prefix.
	InsertHeaders []HeaderField
	// Captcha and Challenge are the token checks of the CAPTCHA and
	// Challenge rules that matched (AWS WAF's captchaResponse and
	// challengeResponse). A rule whose token was accepted acted like Count
	// and is listed in NonTerminating with its CAPTCHA or CHALLENGE action.
	Captcha, Challenge TokenResult
}

// RuleMatch is one non-terminating rule match.
type RuleMatch struct {
	// RuleID is the web ACL rule's name.
	RuleID string
	// GroupRuleID is the matching rule inside a rule group, if any.
	GroupRuleID string
	// Action is COUNT.
	Action Action
	// Type is the rule's type.
	Type RuleType
}

// RateBasedMatch describes a rate-based rule whose key was over its limit,
// as AWS WAF logs it in rateBasedRuleList.
type RateBasedMatch struct {
	// RuleName is the rate-based rule's name.
	RuleName string
	// LimitKey is the aggregation: IP, FORWARDEDIP, CONSTANT or CUSTOMKEYS.
	LimitKey string
	// LimitValue is the key's value: the IP address, empty for CONSTANT, or
	// the custom key values joined by ", ".
	LimitValue string
	// MaxRateAllowed is the rule's Limit.
	MaxRateAllowed int64
	// EvaluationWindowSec is the rule's window in seconds.
	EvaluationWindowSec int64
	// Count is the store's count for the key in the window, this request
	// included (0 when the rule matched by forwarded-IP fallback).
	Count int64
}

// Response is a Block action's custom response.
type Response struct {
	// StatusCode is the HTTP status code.
	StatusCode int
	// Headers are the response headers, sent as named (AWS WAF adds no
	// prefix to custom response headers).
	Headers []HeaderField
	// Body is the body from the web ACL's CustomResponseBodies, or "".
	Body string
	// ContentType is the body's media type (text/plain, text/html or
	// application/json), or "" without a body.
	ContentType string
}

// HeaderField is an HTTP header name and value.
type HeaderField struct {
	Name, Value string
}

// reset empties v, keeping the capacity of its slices.
func (v *Verdict) reset() {
	*v = Verdict{
		Labels:         v.Labels[:0],
		NonTerminating: v.NonTerminating[:0],
		RateBased:      v.RateBased[:0],
		InsertHeaders:  v.InsertHeaders[:0],
	}
}
