package presets

import (
	"encoding/json"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// The signal presets write the AWS model of package waf directly: they use
// statements (GeoMatch, custom keys, CAPTCHA, custom responses) that the
// small model of model.go does not have.

// awsRule appends r at the next priority.
func (b *builder) awsRule(r waf.Rule) {
	b.p.LastPriority++
	r.Priority = int64(b.p.LastPriority)
	raw, err := json.Marshal(r)
	if err != nil && b.err == nil {
		b.err = err
	}
	b.p.Rules = append(b.p.Rules, raw)
}

// responseBody declares a web ACL custom response body.
func (b *builder) responseBody(key, contentType, content string) {
	if b.p.CustomResponseBodies == nil {
		b.p.CustomResponseBodies = map[string]waf.CustomResponseBody{}
	}
	b.p.CustomResponseBodies[key] = waf.CustomResponseBody{ContentType: contentType, Content: content}
}

var awsNoTransform = []waf.TextTransformation{{Priority: 0, Type: "NONE"}}

func awsHeaderMatch(name, constraint, value string) waf.Statement {
	return waf.Statement{ByteMatchStatement: &waf.ByteMatchStatement{
		SearchString: value, FieldToMatch: &waf.FieldToMatch{SingleHeader: &waf.SingleHeader{Name: name}},
		TextTransformations: awsNoTransform, PositionalConstraint: constraint,
	}}
}

func awsPath(path string) waf.Statement {
	return waf.Statement{ByteMatchStatement: &waf.ByteMatchStatement{
		SearchString: path, FieldToMatch: &waf.FieldToMatch{UriPath: &waf.Empty{}},
		TextTransformations: awsNoTransform, PositionalConstraint: "EXACTLY",
	}}
}

// awsTargets matches the Cognito operations ops by X-Amz-Target.
func awsTargets(ops ...string) waf.Statement {
	s := make([]waf.Statement, len(ops))
	for i, op := range ops {
		s[i] = awsHeaderMatch("x-amz-target", "EXACTLY", TargetPrefix+op)
	}
	return awsOr(s...)
}

func awsOr(s ...waf.Statement) waf.Statement {
	if len(s) == 1 {
		return s[0]
	}
	return waf.Statement{OrStatement: &waf.OrStatement{Statements: s}}
}

func awsAnd(s ...waf.Statement) waf.Statement {
	return waf.Statement{AndStatement: &waf.AndStatement{Statements: s}}
}

func awsNot(s waf.Statement) waf.Statement {
	return waf.Statement{NotStatement: &waf.NotStatement{Statement: &s}}
}

func awsLabel(scope, key string) waf.Statement {
	return waf.Statement{LabelMatchStatement: &waf.LabelMatchStatement{Scope: scope, Key: key}}
}

// awsRate is a CUSTOM_KEYS rate-based statement on the given headers
// (pseudo-headers included), scoped down to scope.
func awsRate(limit, window int64, scope waf.Statement, headers ...string) *waf.Statement {
	keys := make([]waf.RateBasedKey, len(headers))
	for i, h := range headers {
		keys[i] = waf.RateBasedKey{Header: &waf.RateLimitNamed{Name: h, TextTransformations: awsNoTransform}}
	}
	return &waf.Statement{RateBasedStatement: &waf.RateBasedStatement{
		Limit: limit, EvaluationWindowSec: window, AggregateKeyType: "CUSTOM_KEYS", CustomKeys: keys, ScopeDownStatement: &scope,
	}}
}

func awsBlockOrCount(test bool) *waf.RuleAction {
	if test {
		return &waf.RuleAction{Count: &waf.CountAction{}}
	}
	return &waf.RuleAction{Block: &waf.BlockAction{}}
}

func awsCaptchaOrCount(test bool) *waf.RuleAction {
	if test {
		return &waf.RuleAction{Count: &waf.CountAction{}}
	}
	return &waf.RuleAction{Captcha: &waf.CaptchaAction{}}
}

func awsVisible(metric string) *waf.VisibilityConfig {
	return &waf.VisibilityConfig{SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: metric}
}

func awsLabels(names ...string) []waf.Label {
	out := make([]waf.Label, len(names))
	for i, n := range names {
		out[i] = waf.Label{Name: n}
	}
	return out
}

// Pseudo-header names the presets aggregate on.
const (
	hdrUsername = request.HeaderUsername
	hdrPhone    = request.HeaderPhone
	hdrPhoneCC  = request.HeaderPhoneCC
	// hdrPhoneRegion is the region of the number (package phone).
	hdrPhoneRegion = request.HeaderPhoneRegion
	// hdrSubject is the access token's subject on SMS-sending token calls.
	hdrSubject  = request.HeaderSubject
	hdrClientID = "x-amzn-cognito-client-id"
)
