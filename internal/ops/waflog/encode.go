package waflog

import (
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// FormatVersion is AWS WAF's log formatVersion.
const FormatVersion = 1

// HTTPSourceName is the httpSourceName AWS WAF logs for a web ACL attached
// to a Cognito user pool.
const HTTPSourceName = "COGNITOIDP"

// EncoderOptions configures an Encoder.
type EncoderOptions struct {
	// Headers are the request headers logged, matched case-insensitively
	// and logged in this order with lower-case names. Nil means
	// DefaultHeaders; an empty non-nil slice logs none. A header that may
	// carry a credential (see SensitiveHeader) is an error.
	Headers []string
	// Region and Account make webaclId an ARN,
	// arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/poolguard. When
	// either is empty webaclId is the web ACL's name.
	Region, Account string
}

// Encoder turns Outcomes into AWS WAF log records. It is safe for
// concurrent use; Append does not allocate once the web ACL name has been
// seen.
type Encoder struct {
	headers         []headerSpec
	region, account string
	acl             atomic.Pointer[aclID]
}

// aclID caches the webaclId of the last web ACL name seen.
type aclID struct{ name, id string }

// NewEncoder returns an Encoder, or an error naming every header that
// cannot be logged.
func NewEncoder(opts EncoderOptions) (*Encoder, error) {
	h, err := compileHeaders(opts.Headers)
	if err != nil {
		return nil, err
	}
	return &Encoder{headers: h, region: opts.Region, account: opts.Account}, nil
}

// webACLID returns the webaclId for the web ACL named name.
func (e *Encoder) webACLID(name string) string {
	if c := e.acl.Load(); c != nil && c.name == name {
		return c.id
	}
	id := name
	if e.region != "" && e.account != "" {
		id = "arn:aws:wafv2:" + e.region + ":" + e.account + ":regional/webacl/" + name + "/poolguard"
	}
	e.acl.Store(&aclID{name: name, id: id})
	return id
}

// Append appends o's record, one line of JSON ending in '\n', to dst.
func (e *Encoder) Append(dst []byte, o *observe.Outcome) []byte {
	v := o.Verdict
	if v == nil {
		v = &notEvaluated
	}
	dst = append(dst, `{"timestamp":`...)
	dst = strconv.AppendInt(dst, o.Start.UnixMilli(), 10)
	dst = append(dst, `,"formatVersion":1`...)
	dst = appendStringField(dst, "webaclId", e.webACLID(o.WebACLName))
	dst = e.appendTermination(dst, v)
	dst = append(dst, `,"terminatingRuleMatchDetails":[]`...)
	dst = appendStringField(dst, "httpSourceName", HTTPSourceName)
	dst = appendStringField(dst, "httpSourceId", o.UserPoolID)
	dst = appendRuleGroups(dst, v)
	dst = appendRateBased(dst, v.RateBased)
	dst = appendNonTerminating(dst, v.NonTerminating)
	dst = appendInserted(dst, o.InsertedHeaders)
	dst = appendKey(dst, "responseCodeSent", false)
	if v.Action == waf.ActionBlock && v.CustomResponse != nil {
		dst = strconv.AppendInt(dst, int64(v.CustomResponse.StatusCode), 10)
	} else {
		dst = append(dst, "null"...)
	}
	dst = e.appendHTTPRequest(dst, o)
	dst = appendLabels(dst, v.Labels)
	dst = appendTokenResponse(dst, "captchaResponse", v.Captcha, v.Action == waf.ActionCaptcha, 405)
	dst = appendTokenResponse(dst, "challengeResponse", v.Challenge, v.Action == waf.ActionChallenge, 202)
	dst = appendPoolguard(dst, o, v)
	return append(dst, '}', '\n')
}

// notEvaluated stands in for the Verdict of a request that never reached
// the web ACL: the default action let it through to the proxy's own checks.
var notEvaluated = waf.Verdict{Action: waf.ActionAllow, TerminatingRuleID: waf.DefaultActionID}

func (e *Encoder) appendTermination(dst []byte, v *waf.Verdict) []byte {
	id := v.TerminatingRuleID
	if id == "" {
		id = waf.DefaultActionID
	}
	typ := string(v.TerminatingRuleType)
	if typ == "" {
		typ = string(waf.RuleTypeRegular) // AWS logs the default action as REGULAR
	}
	dst = appendStringField(dst, "terminatingRuleId", id)
	dst = appendStringField(dst, "terminatingRuleType", typ)
	return appendStringField(dst, "action", string(v.Action))
}

// appendRuleGroups writes ruleGroupList: the terminating rule group, if
// any, and every rule group with Count matches, each once, in order.
func appendRuleGroups(dst []byte, v *waf.Verdict) []byte {
	dst = append(dst, `,"ruleGroupList":[`...)
	first := true
	term := ""
	if v.TerminatingRuleType == waf.RuleTypeGroup {
		term = v.TerminatingRuleID
		dst = appendGroup(dst, v, term, v.TerminatingGroupRuleID, true)
		first = false
	}
	for i, m := range v.NonTerminating {
		if m.GroupRuleID == "" || m.RuleID == term || seenGroup(v.NonTerminating[:i], m.RuleID) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendGroup(dst, v, m.RuleID, "", false)
	}
	return append(dst, ']')
}

func seenGroup(ms []waf.RuleMatch, id string) bool {
	for _, m := range ms {
		if m.GroupRuleID != "" && m.RuleID == id {
			return true
		}
	}
	return false
}

func appendGroup(dst []byte, v *waf.Verdict, group, termRule string, terminating bool) []byte {
	dst = append(dst, `{"ruleGroupId":`...)
	dst = appendString(dst, group)
	dst = append(dst, `,"terminatingRule":`...)
	if terminating {
		dst = append(dst, `{"ruleId":`...)
		dst = appendString(dst, termRule)
		dst = appendStringField(dst, "action", string(v.Action))
		dst = append(dst, `,"ruleMatchDetails":null}`...)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"nonTerminatingMatchingRules":[`...)
	n := 0
	for _, m := range v.NonTerminating {
		if m.GroupRuleID == "" || m.RuleID != group {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = appendMatch(dst, m.GroupRuleID, m.Action)
	}
	return append(dst, `],"excludedRules":null}`...)
}

func appendMatch(dst []byte, id string, a waf.Action) []byte {
	if a == "" {
		a = waf.ActionCount
	}
	dst = append(dst, `{"ruleId":`...)
	dst = appendString(dst, id)
	dst = appendStringField(dst, "action", string(a))
	return append(dst, `,"ruleMatchDetails":[]}`...)
}

func appendRateBased(dst []byte, rs []waf.RateBasedMatch) []byte {
	dst = append(dst, `,"rateBasedRuleList":[`...)
	for i, r := range rs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"rateBasedRuleId":`...)
		dst = appendString(dst, r.RuleName)
		dst = appendStringField(dst, "rateBasedRuleName", r.RuleName)
		dst = appendStringField(dst, "limitKey", r.LimitKey)
		if r.LimitKey == "IP" || r.LimitKey == "FORWARDEDIP" {
			dst = appendStringField(dst, "limitValue", r.LimitValue)
		}
		dst = appendIntField(dst, "maxRateAllowed", r.MaxRateAllowed)
		dst = append(dst, `,"evaluationWindowSec":"`...)
		dst = strconv.AppendInt(dst, r.EvaluationWindowSec, 10)
		dst = append(dst, '"', '}')
	}
	return append(dst, ']')
}

func appendNonTerminating(dst []byte, ms []waf.RuleMatch) []byte {
	dst = append(dst, `,"nonTerminatingMatchingRules":[`...)
	n := 0
	for _, m := range ms {
		if m.GroupRuleID != "" {
			continue // logged under its rule group
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = appendMatch(dst, m.RuleID, m.Action)
	}
	return append(dst, ']')
}

func appendInserted(dst []byte, hs []waf.HeaderField) []byte {
	dst = appendKey(dst, "requestHeadersInserted", false)
	if len(hs) == 0 {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, h := range hs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendNameValue(dst, h.Name, h.Value)
	}
	return append(dst, ']')
}

func appendNameValue(dst []byte, name, value string) []byte {
	dst = append(dst, `{"name":`...)
	dst = appendString(dst, name)
	dst = appendStringField(dst, "value", value)
	return append(dst, '}')
}

func (e *Encoder) appendHTTPRequest(dst []byte, o *observe.Outcome) []byte {
	dst = append(dst, `,"httpRequest":{"clientIp":"`...)
	if r := o.View; r != nil && r.ClientIP.IsValid() {
		dst = r.ClientIP.AppendTo(dst)
	}
	dst = append(dst, '"')
	r := o.View
	if r == nil {
		return append(dst, `,"country":"-","headers":[],"uri":"","args":"","httpVersion":"","httpMethod":"","requestId":"","scheme":"","host":""}`...)
	}
	country := r.Country
	if country == "" || country == "XX" {
		country = "-" // AWS's "unknown"
	}
	dst = appendStringField(dst, "country", country)
	dst = append(dst, `,"headers":[`...)
	n := 0
	for i := range e.headers {
		h := &e.headers[i]
		vals := r.Header[h.canon]
		if h.canon == "Host" && len(vals) == 0 && r.Host != "" {
			dst, n = appendHeader(dst, n, h, r.Host)
			continue
		}
		for _, val := range vals {
			dst, n = appendHeader(dst, n, h, val)
		}
	}
	dst = append(dst, ']')
	dst = appendStringField(dst, "uri", r.Path)
	dst = append(dst, `,"args":"`...)
	if r.RawQuery != "" {
		dst = appendRedactedQuery(dst, r.RawQuery)
	}
	dst = append(dst, '"')
	dst = appendStringField(dst, "httpVersion", r.Proto)
	dst = appendStringField(dst, "httpMethod", r.Method)
	dst = appendStringField(dst, "requestId", r.RequestID)
	dst = appendStringField(dst, "scheme", r.Scheme)
	dst = appendStringField(dst, "host", r.Host)
	return append(dst, '}')
}

func appendHeader(dst []byte, n int, h *headerSpec, val string) ([]byte, int) {
	if n > 0 {
		dst = append(dst, ',')
	}
	dst = append(dst, `{"name":"`...)
	dst = append(dst, h.lower...)
	dst = append(dst, `","value":"`...)
	if h.urlLike {
		dst = appendRedactedURL(dst, val)
	} else {
		dst = appendEscaped(dst, val)
	}
	return append(dst, '"', '}'), n + 1
}

// appendLabels writes labels; AWS omits the field when there are none.
func appendLabels(dst []byte, labels []string) []byte {
	if len(labels) == 0 {
		return dst
	}
	dst = append(dst, `,"labels":[`...)
	for i, l := range labels {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = appendString(dst, l)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendPoolguard writes what the proxy knows and AWS does not, under a key
// AWS does not use.
func appendPoolguard(dst []byte, o *observe.Outcome, v *waf.Verdict) []byte {
	dst = append(dst, `,"poolguard":{"operation":`...)
	op, client, flow := "", "", ""
	if o.View != nil {
		op, client, flow = o.View.Operation, o.View.ClientID, o.View.AuthFlow
	}
	dst = appendString(dst, op)
	dst = appendStringField(dst, "upstreamOperation", o.UpstreamOperation)
	dst = appendStringField(dst, "clientId", client)
	dst = appendStringField(dst, "authFlow", authFlowName(flow))
	dst = appendIntField(dst, "status", int64(o.Status))
	dst = appendBoolField(dst, "wafEvaluated", o.Verdict != nil)
	if v.TerminatingGroupRuleID != "" {
		dst = appendStringField(dst, "terminatingGroupRuleId", v.TerminatingGroupRuleID)
	}
	dst = appendBoolField(dst, "forwarded", o.Forwarded)
	dst = appendIntField(dst, "upstreamStatus", int64(o.UpstreamStatus))
	dst = appendStringField(dst, "upstreamErrorType", o.UpstreamErrorType)
	dst = appendMillisField(dst, "upstreamLatencyMs", o.UpstreamLatency)
	dst = appendMillisField(dst, "durationMs", o.Duration)
	dst = appendStringField(dst, "proxyErrorType", o.ErrorType)
	dst = appendBoolField(dst, "storeError", o.StoreError)
	if o.StoreFallback {
		dst = appendBoolField(dst, "rateStoreFallback", true)
	}
	if o.HookAction != "" {
		dst = appendStringField(dst, "hookAction", o.HookAction)
	}
	if o.HookFailure != "" {
		dst = appendStringField(dst, "hookFailure", o.HookFailure)
	}
	if o.Tracking != nil {
		dst = appendOutcome(dst, o.Tracking)
	}
	return append(dst, '}')
}

// authFlows are Cognito's AuthFlowType values.
var authFlows = []string{
	"USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN", "CUSTOM_AUTH", "ADMIN_NO_SRP_AUTH",
	"USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "USER_AUTH",
}

// authFlowName returns the AuthFlow to log: a Cognito flow name (not
// secret: it says which sign-in flows an app uses), "" when absent, or
// "OTHER", so a client cannot write arbitrary text into the log.
func authFlowName(f string) string {
	if f == "" || slices.Contains(authFlows, f) {
		return f
	}
	return "OTHER"
}

func appendBoolField(dst []byte, key string, b bool) []byte {
	dst = appendKey(dst, key, false)
	return strconv.AppendBool(dst, b)
}

func appendMillisField(dst []byte, key string, d time.Duration) []byte {
	dst = appendKey(dst, key, false)
	return strconv.AppendFloat(dst, float64(d)/float64(time.Millisecond), 'f', 3, 64)
}
