package waf

import (
	"net/netip"

	"github.com/poolguard/poolguard/internal/rules/prefixset"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// DefaultAccount is the AWS account id used in label names when
// Options.Account is empty.
const DefaultAccount = "000000000000"

// DefaultBodyInspectionLimit is how many bytes of a body (or JSON body) AWS
// WAF inspects for regional resources such as Cognito user pools: 8 KB.
const DefaultBodyInspectionLimit = 8 * 1024

// Options configures Compile.
type Options struct {
	// Account is the AWS account id in label names
	// (awswaf:<account>:webacl:<name>:<label>). Default DefaultAccount.
	Account string
	// WebACLName is the web ACL name in label names. Default: the
	// document's Name, or "webacl" if it has none.
	WebACLName string
	// TestMode turns every rule action (and every rule group's override
	// action) into Count, so the web ACL only observes. The default action
	// is kept.
	TestMode bool
	// IPSets resolves IPSetReferenceStatement ARNs: the set whose key is the
	// name inside the ARN (arn:aws:wafv2:REGION:ACCOUNT:regional/ipset/NAME/ID).
	IPSets map[string]*prefixset.Set
	// RegexPatternSets resolves RegexPatternSetReferenceStatement ARNs the
	// same way (…/regexpatternset/NAME/ID). Patterns use Go's RE2 syntax.
	RegexPatternSets map[string][]string
	// RuleGroups resolves RuleGroupReferenceStatement ARNs the same way
	// (…/rulegroup/NAME/ID).
	RuleGroups map[string]*RuleGroup
	// Store decides rate-based rules. Required if the web ACL has any.
	Store ratelimit.Store
	// Country returns the ISO 3166-1 alpha-2 country code of an address, or
	// "" if unknown. GeoMatchStatement uses it for ForwardedIPConfig
	// addresses; the client IP's country comes from request.View.Country.
	// Without it, forwarded addresses are in country "XX".
	Country func(netip.Addr) string
	// BodyInspectionLimit is how many bytes of the body Body and JsonBody
	// inspect; larger bodies are subject to OversizeHandling. Default
	// DefaultBodyInspectionLimit.
	BodyInspectionLimit int
	// Tokens checks the aws-waf-token of requests that CAPTCHA and
	// Challenge rules match; a valid one makes the rule act like Count.
	// Without it every such request is answered with the action.
	Tokens Tokens
	// IPv6Prefix aggregates IPv6 client addresses to their network prefix
	// of this many bits in the keys of rate-based rules (IP and
	// FORWARDED_IP aggregation, and the IP and ForwardedIP custom keys),
	// so that rotating addresses inside one network (a /64) does not
	// evade a per-IP limit. 0 or 128 keys each address, as AWS WAF does.
	// IPv4 addresses are always keyed whole.
	IPv6Prefix int
	// KeyHashKey keys the HMAC that rate-based rules apply to personal
	// custom keys (the x-poolguard-username and x-poolguard-phone
	// pseudo-headers) before the key reaches the rate store or the log.
	// Without it Compile draws a random key, which does not survive a
	// restart and is not shared by replicas.
	KeyHashKey []byte
}
