package presets

// This file holds the subset of the AWS WAFv2 JSON model the presets write.
// Field names and order are the AWS API's, so marshalled rules read as
// `aws wafv2 get-web-acl` prints them.

type rule struct {
	Name             string           `json:"Name"`
	Priority         int              `json:"Priority"`
	Statement        statement        `json:"Statement"`
	Action           action           `json:"Action"`
	RuleLabels       []label          `json:"RuleLabels,omitempty"`
	VisibilityConfig visibilityConfig `json:"VisibilityConfig"`
}

type action struct {
	Allow *struct{} `json:"Allow,omitempty"`
	Block *struct{} `json:"Block,omitempty"`
	Count *struct{} `json:"Count,omitempty"`
}

type label struct {
	Name string `json:"Name"`
}

type visibilityConfig struct {
	SampledRequestsEnabled   bool   `json:"SampledRequestsEnabled"`
	CloudWatchMetricsEnabled bool   `json:"CloudWatchMetricsEnabled"`
	MetricName               string `json:"MetricName"`
}

type statement struct {
	ByteMatchStatement                *byteMatch      `json:"ByteMatchStatement,omitempty"`
	RegexPatternSetReferenceStatement *regexSetRef    `json:"RegexPatternSetReferenceStatement,omitempty"`
	SizeConstraintStatement           *sizeConstraint `json:"SizeConstraintStatement,omitempty"`
	IPSetReferenceStatement           *ipSetRef       `json:"IPSetReferenceStatement,omitempty"`
	LabelMatchStatement               *labelMatch     `json:"LabelMatchStatement,omitempty"`
	RateBasedStatement                *rateBased      `json:"RateBasedStatement,omitempty"`
	AndStatement                      *statements     `json:"AndStatement,omitempty"`
	OrStatement                       *statements     `json:"OrStatement,omitempty"`
	NotStatement                      *notStatement   `json:"NotStatement,omitempty"`
}

type statements struct {
	Statements []statement `json:"Statements"`
}

type notStatement struct {
	Statement statement `json:"Statement"`
}

type fieldToMatch struct {
	SingleHeader *singleHeader `json:"SingleHeader,omitempty"`
	UriPath      *struct{}     `json:"UriPath,omitempty"`
}

type singleHeader struct {
	Name string `json:"Name"`
}

type textTransformation struct {
	Priority int    `json:"Priority"`
	Type     string `json:"Type"`
}

// noTransform is the TextTransformations list AWS requires when none apply.
var noTransform = []textTransformation{{Priority: 0, Type: "NONE"}}

type byteMatch struct {
	SearchString         string               `json:"SearchString"`
	FieldToMatch         fieldToMatch         `json:"FieldToMatch"`
	TextTransformations  []textTransformation `json:"TextTransformations"`
	PositionalConstraint string               `json:"PositionalConstraint"`
}

type regexSetRef struct {
	ARN                 string               `json:"ARN"`
	FieldToMatch        fieldToMatch         `json:"FieldToMatch"`
	TextTransformations []textTransformation `json:"TextTransformations"`
}

type sizeConstraint struct {
	FieldToMatch        fieldToMatch         `json:"FieldToMatch"`
	ComparisonOperator  string               `json:"ComparisonOperator"`
	Size                int64                `json:"Size"`
	TextTransformations []textTransformation `json:"TextTransformations"`
}

type ipSetRef struct {
	ARN string `json:"ARN"`
}

type labelMatch struct {
	Scope string `json:"Scope"`
	Key   string `json:"Key"`
}

type rateBased struct {
	Limit               int64      `json:"Limit"`
	EvaluationWindowSec int64      `json:"EvaluationWindowSec"`
	AggregateKeyType    string     `json:"AggregateKeyType"`
	ScopeDownStatement  *statement `json:"ScopeDownStatement,omitempty"`
}

// Statement helpers.

func header(name string) fieldToMatch { return fieldToMatch{SingleHeader: &singleHeader{Name: name}} }

func uriPath() fieldToMatch { return fieldToMatch{UriPath: &struct{}{}} }

func byteMatchStmt(field fieldToMatch, constraint, s string) statement {
	return statement{ByteMatchStatement: &byteMatch{
		SearchString: s, FieldToMatch: field, TextTransformations: noTransform, PositionalConstraint: constraint,
	}}
}

func ipSetStmt(arn string) statement { return statement{IPSetReferenceStatement: &ipSetRef{ARN: arn}} }

func or(s ...statement) statement {
	if len(s) == 1 {
		return s[0]
	}
	return statement{OrStatement: &statements{Statements: s}}
}

func and(s ...statement) statement { return statement{AndStatement: &statements{Statements: s}} }

func not(s statement) statement { return statement{NotStatement: &notStatement{Statement: s}} }

func allow() action { return action{Allow: &struct{}{}} }

// blockOrCount returns Block, or Count in test mode.
func blockOrCount(testMode bool) action {
	if testMode {
		return action{Count: &struct{}{}}
	}
	return action{Block: &struct{}{}}
}

func visible(metric string) visibilityConfig {
	return visibilityConfig{SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: metric}
}
