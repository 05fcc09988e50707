package waf

// Statement is a rule statement. Exactly one of its fields is set.
type Statement struct {
	ByteMatchStatement                *ByteMatchStatement                `json:"ByteMatchStatement,omitempty"`
	SqliMatchStatement                *SqliMatchStatement                `json:"SqliMatchStatement,omitempty"`
	XssMatchStatement                 *XssMatchStatement                 `json:"XssMatchStatement,omitempty"`
	SizeConstraintStatement           *SizeConstraintStatement           `json:"SizeConstraintStatement,omitempty"`
	GeoMatchStatement                 *GeoMatchStatement                 `json:"GeoMatchStatement,omitempty"`
	RuleGroupReferenceStatement       *RuleGroupReferenceStatement       `json:"RuleGroupReferenceStatement,omitempty"`
	IPSetReferenceStatement           *IPSetReferenceStatement           `json:"IPSetReferenceStatement,omitempty"`
	RegexPatternSetReferenceStatement *RegexPatternSetReferenceStatement `json:"RegexPatternSetReferenceStatement,omitempty"`
	RateBasedStatement                *RateBasedStatement                `json:"RateBasedStatement,omitempty"`
	AndStatement                      *AndStatement                      `json:"AndStatement,omitempty"`
	OrStatement                       *OrStatement                       `json:"OrStatement,omitempty"`
	NotStatement                      *NotStatement                      `json:"NotStatement,omitempty"`
	ManagedRuleGroupStatement         any                                `json:"ManagedRuleGroupStatement,omitempty"`
	LabelMatchStatement               *LabelMatchStatement               `json:"LabelMatchStatement,omitempty"`
	RegexMatchStatement               *RegexMatchStatement               `json:"RegexMatchStatement,omitempty"`
	AsnMatchStatement                 any                                `json:"AsnMatchStatement,omitempty"`
}

// AndStatement matches when all its statements match.
type AndStatement struct {
	Statements []Statement `json:"Statements"`
}

// OrStatement matches when any of its statements matches.
type OrStatement struct {
	Statements []Statement `json:"Statements"`
}

// NotStatement matches when its statement does not.
type NotStatement struct {
	Statement *Statement `json:"Statement"`
}

// ByteMatchStatement looks for a string in a request component.
type ByteMatchStatement struct {
	SearchString         string               `json:"SearchString"`
	FieldToMatch         *FieldToMatch        `json:"FieldToMatch"`
	TextTransformations  []TextTransformation `json:"TextTransformations"`
	PositionalConstraint string               `json:"PositionalConstraint"`
}

// RegexMatchStatement matches a request component against a regular expression.
type RegexMatchStatement struct {
	RegexString         string               `json:"RegexString"`
	FieldToMatch        *FieldToMatch        `json:"FieldToMatch"`
	TextTransformations []TextTransformation `json:"TextTransformations"`
}

// RegexPatternSetReferenceStatement matches a request component against the
// patterns of a regex pattern set.
type RegexPatternSetReferenceStatement struct {
	ARN                 string               `json:"ARN"`
	FieldToMatch        *FieldToMatch        `json:"FieldToMatch"`
	TextTransformations []TextTransformation `json:"TextTransformations"`
}

// SizeConstraintStatement compares the size of a request component.
type SizeConstraintStatement struct {
	FieldToMatch        *FieldToMatch        `json:"FieldToMatch"`
	ComparisonOperator  string               `json:"ComparisonOperator"`
	Size                int64                `json:"Size"`
	TextTransformations []TextTransformation `json:"TextTransformations"`
}

// SqliMatchStatement looks for SQL injection in a request component.
type SqliMatchStatement struct {
	FieldToMatch        *FieldToMatch        `json:"FieldToMatch"`
	TextTransformations []TextTransformation `json:"TextTransformations"`
	SensitivityLevel    string               `json:"SensitivityLevel,omitempty"`
}

// XssMatchStatement looks for cross-site scripting in a request component.
type XssMatchStatement struct {
	FieldToMatch        *FieldToMatch        `json:"FieldToMatch"`
	TextTransformations []TextTransformation `json:"TextTransformations"`
}

// GeoMatchStatement matches the request's country of origin.
type GeoMatchStatement struct {
	CountryCodes      []string           `json:"CountryCodes"`
	ForwardedIPConfig *ForwardedIPConfig `json:"ForwardedIPConfig,omitempty"`
}

// IPSetReferenceStatement matches the request's IP against an IP set.
type IPSetReferenceStatement struct {
	ARN                    string                  `json:"ARN"`
	IPSetForwardedIPConfig *IPSetForwardedIPConfig `json:"IPSetForwardedIPConfig,omitempty"`
}

// ForwardedIPConfig takes the client IP from a header.
type ForwardedIPConfig struct {
	HeaderName       string `json:"HeaderName"`
	FallbackBehavior string `json:"FallbackBehavior"`
}

// IPSetForwardedIPConfig takes the client IP from a header for an IP set.
type IPSetForwardedIPConfig struct {
	HeaderName       string `json:"HeaderName"`
	FallbackBehavior string `json:"FallbackBehavior"`
	Position         string `json:"Position"`
}

// LabelMatchStatement matches labels added by earlier rules.
type LabelMatchStatement struct {
	Scope string `json:"Scope"`
	Key   string `json:"Key"`
}

// RuleGroupReferenceStatement runs the rules of a rule group. The group is
// resolved by the name inside its ARN against Options.RuleGroups.
type RuleGroupReferenceStatement struct {
	ARN                 string               `json:"ARN"`
	ExcludedRules       []ExcludedRule       `json:"ExcludedRules,omitempty"`
	RuleActionOverrides []RuleActionOverride `json:"RuleActionOverrides,omitempty"`
}

// ExcludedRule names a group rule whose action becomes Count.
type ExcludedRule struct {
	Name string `json:"Name"`
}

// RuleActionOverride replaces the action of one group rule.
type RuleActionOverride struct {
	Name        string      `json:"Name"`
	ActionToUse *RuleAction `json:"ActionToUse"`
}

// RateBasedStatement counts requests per aggregation key and matches when
// the key's rate is over Limit.
type RateBasedStatement struct {
	Limit               int64              `json:"Limit"`
	EvaluationWindowSec int64              `json:"EvaluationWindowSec,omitempty"`
	AggregateKeyType    string             `json:"AggregateKeyType"`
	ScopeDownStatement  *Statement         `json:"ScopeDownStatement,omitempty"`
	ForwardedIPConfig   *ForwardedIPConfig `json:"ForwardedIPConfig,omitempty"`
	CustomKeys          []RateBasedKey     `json:"CustomKeys,omitempty"`
}

// RateBasedKey is one custom aggregation key. Exactly one field is set.
type RateBasedKey struct {
	Header         *RateLimitNamed    `json:"Header,omitempty"`
	Cookie         *RateLimitNamed    `json:"Cookie,omitempty"`
	QueryArgument  *RateLimitNamed    `json:"QueryArgument,omitempty"`
	QueryString    *RateLimitText     `json:"QueryString,omitempty"`
	UriPath        *RateLimitText     `json:"UriPath,omitempty"`
	HTTPMethod     *Empty             `json:"HTTPMethod,omitempty"`
	IP             *Empty             `json:"IP,omitempty"`
	ForwardedIP    *Empty             `json:"ForwardedIP,omitempty"`
	LabelNamespace *RateLimitLabelKey `json:"LabelNamespace,omitempty"`
	JA3Fingerprint any                `json:"JA3Fingerprint,omitempty"`
	JA4Fingerprint any                `json:"JA4Fingerprint,omitempty"`
	ASN            any                `json:"ASN,omitempty"`
}

// RateLimitNamed is a named custom key (header, cookie or query argument).
type RateLimitNamed struct {
	Name                string               `json:"Name"`
	TextTransformations []TextTransformation `json:"TextTransformations"`
}

// RateLimitText is a custom key over the query string or URI path.
type RateLimitText struct {
	TextTransformations []TextTransformation `json:"TextTransformations"`
}

// RateLimitLabelKey is a custom key over the labels of a namespace.
type RateLimitLabelKey struct {
	Namespace string `json:"Namespace"`
}

// Empty is an AWS JSON object with no fields, such as "Method": {}.
type Empty struct{}

// TextTransformation is one transformation applied before inspection.
type TextTransformation struct {
	Priority int64  `json:"Priority"`
	Type     string `json:"Type"`
}
