package presets

// cognitoProxy reproduces the web ACL of the AWS Security Blog article "Protect public clients for Amazon Cognito by using an Amazon CloudFront proxy":
// AllowList, DenyList and a per-IP RateLimit, evaluated in that order.
var cognitoProxy = definition{
	doc: "Allow list, deny list and a per-IP rate limit in front of the Cognito endpoint " +
		"(the CloudFront proxy's web ACL): requests from the allow-list IP sets pass, from the deny-list IP sets are blocked, " +
		"and an IP over RateLimit requests per EvaluationWindowSec is blocked.",
	params: []Param{
		{Name: "RateLimit", Kind: Limit, Default: int64(100), Doc: "Requests allowed per IP address in the evaluation window."},
		{Name: "EvaluationWindowSec", Kind: Window, Default: int64(300), Doc: "The rate limit's evaluation window in seconds."},
		{Name: "TestMode", Kind: Bool, Default: false, Doc: "Count instead of Block, to observe before enforcing."},
	},
	build: func(b *builder, v values) {
		test := v.bool("TestMode")
		listRules(b, "", test)
		b.rule(rule{
			Name: "RateLimit",
			Statement: statement{RateBasedStatement: &rateBased{
				Limit:               v.int("RateLimit"),
				EvaluationWindowSec: v.int("EvaluationWindowSec"),
				AggregateKeyType:    "IP",
			}},
			Action:           blockOrCount(test),
			RuleLabels:       []label{{Name: "poolguard:ratelimit:ip"}},
			VisibilityConfig: visible("RateLimit"),
		})
	},
}
