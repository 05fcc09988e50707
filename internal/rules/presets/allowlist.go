package presets

// DefaultPatternSet is the default name of cognito-allowlist's regex
// pattern set.
const DefaultPatternSet = "cognito-allowed-targets"

// defaultAllowedTargets are the pattern set's default contents: the two
// operations the example of "A call for debate on how to secure AWS Cognito" (Haufe-Lexware) allows.
var defaultAllowedTargets = []string{
	`^AWSCognitoIdentityProviderService\.InitiateAuth$`,
	`^AWSCognitoIdentityProviderService\.GetUser$`,
}

// cognitoAllowlist reproduces that article's two rules verbatim, with the
// pattern set's ARN built from PatternSet.
var cognitoAllowlist = definition{
	doc: "Count every Cognito API call (X-Amz-Target containing AWSCognitoIdentityProviderService) and block every call " +
		"whose X-Amz-Target matches no pattern of the regex pattern set PatternSet; requests without X-Amz-Target " +
		"(Hosted UI, SAML) pass.",
	params: []Param{
		{Name: "PatternSet", Kind: Name, Default: DefaultPatternSet, Doc: "Name of the regex pattern set of allowed X-Amz-Target values."},
		{Name: "TestMode", Kind: Bool, Default: false, Doc: "Count instead of Block, to collect the calls in use before enforcing."},
	},
	build: func(b *builder, v values) {
		set := v.str("PatternSet")
		arn := b.regexSet(set, "X-Amz-Target values allowed through", defaultAllowedTargets)
		b.rule(rule{
			Name:             "Cognito-counting-calls-to-public-api",
			Statement:        byteMatchStmt(header("x-amz-target"), "CONTAINS", "AWSCognitoIdentityProviderService"),
			Action:           action{Count: &struct{}{}},
			VisibilityConfig: visible("Cognito-counting-calls-to-public-api"),
		})
		b.rule(rule{
			Name: "BLOCK-all-public-apis",
			Statement: and(
				not(statement{RegexPatternSetReferenceStatement: &regexSetRef{
					ARN: arn, FieldToMatch: header("x-amz-target"), TextTransformations: noTransform,
				}}),
				statement{SizeConstraintStatement: &sizeConstraint{
					FieldToMatch: header("x-amz-target"), ComparisonOperator: "GT", Size: 0, TextTransformations: noTransform,
				}},
			),
			Action:           blockOrCount(v.bool("TestMode")),
			VisibilityConfig: visible("BLOCK-all-public-apis"),
		})
	},
}
