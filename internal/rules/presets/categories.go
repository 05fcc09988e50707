package presets

// TargetPrefix is the X-Amz-Target prefix of Cognito user pool operations.
const TargetPrefix = "AWSCognitoIdentityProviderService."

// IPReputationNamespace is the label namespace of AWS's managed IP
// reputation rule group (AWSManagedRulesAmazonIpReputationList).
const IPReputationNamespace = "awswaf:managed:aws:amazon-ip-list:"

// category is one action category of tables 1 and 2 of the AWS Security Blog article "Protect your Amazon Cognito user pool with AWS WAF".
type category struct {
	name       string   // e.g. "SignIn"
	param      string   // its limit parameter
	def        int64    // the parameter's default
	operations []string // Cognito API operations (X-Amz-Target suffixes)
	paths      []string // Hosted UI paths
}

var categories = []category{
	{"UserCreation", "UserCreationRateLimit", 2000,
		[]string{"SignUp", "ConfirmSignUp", "ResendConfirmationCode"},
		[]string{"/signup", "/confirmUser", "/resendcode"}},
	{"SignIn", "SignInRateLimit", 4000,
		[]string{"InitiateAuth", "RespondToAuthChallenge"},
		[]string{"/login", "/oauth2/authorize"}},
	{"AccountRecovery", "AccountRecoveryRateLimit", 1000,
		[]string{"ForgotPassword", "ConfirmForgotPassword"},
		[]string{"/forgotPassword", "/confirmForgotPassword"}},
}

// matcher returns the statement matching the category's operations (exact
// X-Amz-Target) and Hosted UI paths (exact URI path).
func (c category) matcher() []statement {
	var s []statement
	for _, op := range c.operations {
		s = append(s, byteMatchStmt(header("x-amz-target"), "EXACTLY", TargetPrefix+op))
	}
	for _, p := range c.paths {
		s = append(s, byteMatchStmt(uriPath(), "EXACTLY", p))
	}
	return s
}

func ipReputation() statement {
	return statement{LabelMatchStatement: &labelMatch{Scope: "NAMESPACE", Key: IPReputationNamespace}}
}

// CategoryLabel returns the label a cognito-categories rate rule adds to the
// requests it finds over the limit, e.g. "cognito:category:SignIn".
func CategoryLabel(category string) string { return "cognito:category:" + category }

// cognitoCategories reproduces that article: allow and deny lists, then a per-IP
// rate-based rule per action category.
var cognitoCategories = definition{
	doc: "Per-IP rate limits per Cognito action category (user creation, sign-in, account recovery, IP reputation, default), " +
		"for API operations (X-Amz-Target) and Hosted UI paths, after allow and deny lists. " +
		"IP reputation uses labels in the " + IPReputationNamespace + " namespace added by earlier rules.",
	params: []Param{
		{Name: "UserCreationRateLimit", Kind: Limit, Default: int64(2000), Doc: "Rate limit for SignUp, ConfirmSignUp, ResendConfirmationCode, /signup, /confirmUser, /resendcode."},
		{Name: "SignInRateLimit", Kind: Limit, Default: int64(4000), Doc: "Rate limit for InitiateAuth, RespondToAuthChallenge, /login, /oauth2/authorize."},
		{Name: "AccountRecoveryRateLimit", Kind: Limit, Default: int64(1000), Doc: "Rate limit for ForgotPassword, ConfirmForgotPassword, /forgotPassword, /confirmForgotPassword."},
		{Name: "IPReputationRateLimit", Kind: Limit, Default: int64(1000), Doc: "Rate limit for requests labelled by the AWS IP reputation list."},
		{Name: "DefaultRateLimit", Kind: Limit, Default: int64(6000), Doc: "Rate limit for every request in none of the other categories."},
		{Name: "EvaluationWindowSec", Kind: Window, Default: int64(300), Doc: "The evaluation window of every rate limit, in seconds."},
		{Name: "TestMode", Kind: Bool, Default: false, Doc: "Count instead of Block, to tune the limits before enforcing (AWS's template defaults to Yes)."},
	},
	build: func(b *builder, v values) {
		test := v.bool("TestMode")
		window := v.int("EvaluationWindowSec")
		listRules(b, "Categories", test)
		rate := func(name string, limit int64, scope statement) {
			b.rule(rule{
				Name: "RateLimit" + name,
				Statement: statement{RateBasedStatement: &rateBased{
					Limit: limit, EvaluationWindowSec: window, AggregateKeyType: "IP", ScopeDownStatement: &scope,
				}},
				Action:           blockOrCount(test),
				RuleLabels:       []label{{Name: CategoryLabel(name)}},
				VisibilityConfig: visible("RateLimit" + name),
			})
		}
		var all []statement
		for _, c := range categories {
			m := c.matcher()
			all = append(all, m...)
			rate(c.name, v.int(c.param), or(m...))
		}
		rate("IPReputation", v.int("IPReputationRateLimit"), ipReputation())
		all = append(all, ipReputation())
		rate("Default", v.int("DefaultRateLimit"), not(or(all...)))
	},
}
