package waf

// The model types mirror the AWS WAFv2 API's JSON: field names and meanings
// are AWS's (see the AWS WAFv2 API Reference). Fields the proxy cannot honour
// are kept in the model so that the loader can refuse them by name.

// GetWebACLOutput is the output of `aws wafv2 get-web-acl`.
type GetWebACLOutput struct {
	WebACL                    *WebACL `json:"WebACL"`
	LockToken                 string  `json:"LockToken,omitempty"`
	ApplicationIntegrationURL string  `json:"ApplicationIntegrationURL,omitempty"`
}

// GetRuleGroupOutput is the output of `aws wafv2 get-rule-group`.
type GetRuleGroupOutput struct {
	RuleGroup *RuleGroup `json:"RuleGroup"`
	LockToken string     `json:"LockToken,omitempty"`
}

// WebACL is an AWS WAFv2 web ACL.
type WebACL struct {
	Name                                 string                        `json:"Name"`
	Id                                   string                        `json:"Id,omitempty"`
	ARN                                  string                        `json:"ARN,omitempty"`
	Description                          string                        `json:"Description,omitempty"`
	DefaultAction                        *DefaultAction                `json:"DefaultAction"`
	Rules                                []Rule                        `json:"Rules"`
	VisibilityConfig                     *VisibilityConfig             `json:"VisibilityConfig,omitempty"`
	Capacity                             int64                         `json:"Capacity,omitempty"`
	LabelNamespace                       string                        `json:"LabelNamespace,omitempty"`
	CustomResponseBodies                 map[string]CustomResponseBody `json:"CustomResponseBodies,omitempty"`
	CaptchaConfig                        *ImmunityConfig               `json:"CaptchaConfig,omitempty"`
	ChallengeConfig                      *ImmunityConfig               `json:"ChallengeConfig,omitempty"`
	TokenDomains                         []string                      `json:"TokenDomains,omitempty"`
	AssociationConfig                    any                           `json:"AssociationConfig,omitempty"`
	DataProtectionConfig                 any                           `json:"DataProtectionConfig,omitempty"`
	ManagedByFirewallManager             bool                          `json:"ManagedByFirewallManager,omitempty"`
	RetrofittedByFirewallManager         bool                          `json:"RetrofittedByFirewallManager,omitempty"`
	PreProcessFirewallManagerRuleGroups  []any                         `json:"PreProcessFirewallManagerRuleGroups,omitempty"`
	PostProcessFirewallManagerRuleGroups []any                         `json:"PostProcessFirewallManagerRuleGroups,omitempty"`
}

// RuleGroup is an AWS WAFv2 rule group.
type RuleGroup struct {
	Name                 string                        `json:"Name"`
	Id                   string                        `json:"Id,omitempty"`
	ARN                  string                        `json:"ARN,omitempty"`
	Description          string                        `json:"Description,omitempty"`
	Capacity             int64                         `json:"Capacity,omitempty"`
	Rules                []Rule                        `json:"Rules"`
	VisibilityConfig     *VisibilityConfig             `json:"VisibilityConfig,omitempty"`
	LabelNamespace       string                        `json:"LabelNamespace,omitempty"`
	CustomResponseBodies map[string]CustomResponseBody `json:"CustomResponseBodies,omitempty"`
	AvailableLabels      []LabelSummary                `json:"AvailableLabels,omitempty"`
	ConsumedLabels       []LabelSummary                `json:"ConsumedLabels,omitempty"`
}

// LabelSummary names a label in a rule group's AvailableLabels or ConsumedLabels.
type LabelSummary struct {
	Name string `json:"Name"`
}

// Rule is one rule of a web ACL or rule group.
type Rule struct {
	Name             string            `json:"Name"`
	Priority         int64             `json:"Priority"`
	Statement        *Statement        `json:"Statement"`
	Action           *RuleAction       `json:"Action,omitempty"`
	OverrideAction   *OverrideAction   `json:"OverrideAction,omitempty"`
	RuleLabels       []Label           `json:"RuleLabels,omitempty"`
	VisibilityConfig *VisibilityConfig `json:"VisibilityConfig,omitempty"`
	CaptchaConfig    *ImmunityConfig   `json:"CaptchaConfig,omitempty"`
	ChallengeConfig  *ImmunityConfig   `json:"ChallengeConfig,omitempty"`
}

// Label is a label a rule adds to matching requests.
type Label struct {
	Name string `json:"Name"`
}

// VisibilityConfig is a rule's or web ACL's metrics and sampling setting.
// The proxy keeps it for export only.
type VisibilityConfig struct {
	SampledRequestsEnabled   bool   `json:"SampledRequestsEnabled"`
	CloudWatchMetricsEnabled bool   `json:"CloudWatchMetricsEnabled"`
	MetricName               string `json:"MetricName"`
}

// ImmunityConfig is a CaptchaConfig or ChallengeConfig.
type ImmunityConfig struct {
	ImmunityTimeProperty *ImmunityTimeProperty `json:"ImmunityTimeProperty,omitempty"`
}

// ImmunityTimeProperty is how long a CAPTCHA or challenge token stays valid.
type ImmunityTimeProperty struct {
	ImmunityTime int64 `json:"ImmunityTime"`
}

// DefaultAction is a web ACL's action for requests no rule terminated.
type DefaultAction struct {
	Allow *AllowAction `json:"Allow,omitempty"`
	Block *BlockAction `json:"Block,omitempty"`
}

// RuleAction is a rule's action when its statement matches.
type RuleAction struct {
	Allow     *AllowAction     `json:"Allow,omitempty"`
	Block     *BlockAction     `json:"Block,omitempty"`
	Count     *CountAction     `json:"Count,omitempty"`
	Captcha   *CaptchaAction   `json:"Captcha,omitempty"`
	Challenge *ChallengeAction `json:"Challenge,omitempty"`
}

// OverrideAction overrides the actions of a rule group's rules.
type OverrideAction struct {
	Count *CountAction `json:"Count,omitempty"`
	None  *NoneAction  `json:"None,omitempty"`
}

// AllowAction allows the request.
type AllowAction struct {
	CustomRequestHandling *CustomRequestHandling `json:"CustomRequestHandling,omitempty"`
}

// BlockAction blocks the request.
type BlockAction struct {
	CustomResponse *CustomResponse `json:"CustomResponse,omitempty"`
}

// CountAction counts the request and continues.
type CountAction struct {
	CustomRequestHandling *CustomRequestHandling `json:"CustomRequestHandling,omitempty"`
}

// CaptchaAction asks for a CAPTCHA token.
type CaptchaAction struct {
	CustomRequestHandling *CustomRequestHandling `json:"CustomRequestHandling,omitempty"`
}

// ChallengeAction asks for a challenge token.
type ChallengeAction struct {
	CustomRequestHandling *CustomRequestHandling `json:"CustomRequestHandling,omitempty"`
}

// NoneAction leaves a rule group's rule actions as they are.
type NoneAction struct{}

// CustomRequestHandling inserts headers into the request sent upstream.
type CustomRequestHandling struct {
	InsertHeaders []CustomHTTPHeader `json:"InsertHeaders"`
}

// CustomResponse is the response sent for a Block.
type CustomResponse struct {
	ResponseCode          int64              `json:"ResponseCode"`
	CustomResponseBodyKey string             `json:"CustomResponseBodyKey,omitempty"`
	ResponseHeaders       []CustomHTTPHeader `json:"ResponseHeaders,omitempty"`
}

// CustomHTTPHeader is a header name and value.
type CustomHTTPHeader struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// CustomResponseBody is a response body that CustomResponse refers to by key.
type CustomResponseBody struct {
	ContentType string `json:"ContentType"`
	Content     string `json:"Content"`
}
