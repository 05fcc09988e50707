// Package waf evaluates AWS WAFv2 web ACLs in the proxy.
//
// Rules are AWS WAFv2 JSON exactly as the AWS API, the CLI and the console
// write it: a whole `aws wafv2 get-web-acl` output, a bare WebACL object, a
// JSON list of Rules, or a RuleGroup. Load decodes that JSON strictly (an
// unknown field is an error) into the model types of this package, and
// Compile turns the model into an immutable *Engine. Every problem found is
// reported, each naming its rule and JSON path, for example
//
//	rule "BLOCK-all-public-apis" (Rules[1].Statement.AndStatement.Statements[0].NotStatement.Statement.RegexPatternSetReferenceStatement.ARN): regex pattern set "cognito-allowed" not found
//
// An Engine is safe for concurrent use and never locks. Evaluate writes its
// decision into a caller-owned Verdict, so that steady-state evaluation
// allocates nothing; errors are kept for engine failures (a rate store that
// cannot decide).
//
// # Differences from AWS WAF
//
//   - Regular expressions (RegexMatchStatement and regex pattern sets) use
//     Go's RE2 syntax (package regexp), not the PCRE-like syntax of AWS WAF.
//     Patterns RE2 cannot express (back-references, look-around) are load
//     errors.
//   - ByteMatchStatement.SearchString is the plain search text as the
//     console, CloudFormation and `aws wafv2` input JSON write it, not its
//     base64 encoding.
//   - Managed rule groups, rule group references to groups not passed in
//     Options, AsnMatchStatement and the JA3/JA4/HeaderOrder/UriFragment
//     request components are refused at load.
//   - Rate-based rules are decided on the request itself by a
//     ratelimit.Store, not 30 seconds later as AWS does.
package waf
