package presets

import (
	"github.com/poolguard/poolguard/internal/waf"
)

// Label namespaces of the managed rule groups whose labels the proxy's
// signal sources reproduce (package signals).
const (
	AnonymousIPNamespace = "awswaf:managed:aws:anonymous-ip-list:"
	NonBrowserUALabel    = "awswaf:managed:aws:bot-control:signal:non_browser_user_agent"
)

// signInOps are the operations that carry a password or a sign-in answer.
var signInOps = []string{"InitiateAuth", "RespondToAuthChallenge"}

// cognitoCredentialStuffing limits sign-in attempts per user name, across
// every source address: what AWS WAF cannot do, since it never sees the user
// name.
var cognitoCredentialStuffing = definition{
	doc: "Per-username sign-in limit across all source IPs (InitiateAuth, RespondToAuthChallenge), " +
		"keyed on the x-poolguard-username pseudo-header, which the proxy stores only as a keyed hash. " +
		"Stops one account being tried from many addresses, each under the per-IP limits.",
	params: []Param{
		{Name: "UsernameRateLimit", Kind: Limit, Default: int64(20), Doc: "Sign-in requests allowed per user name in the window (an SRP sign-in takes two)."},
		{Name: "EvaluationWindowSec", Kind: Window, Default: int64(300), Doc: "The evaluation window, in seconds."},
		{Name: "TestMode", Kind: Bool, Default: false, Doc: "Count instead of Block."},
	},
	build: func(b *builder, v values) {
		b.awsRule(waf.Rule{
			Name:             "CredentialStuffingPerUsername",
			Statement:        awsRate(v.int("UsernameRateLimit"), v.int("EvaluationWindowSec"), awsTargets(signInOps...), hdrUsername),
			Action:           awsBlockOrCount(v.bool("TestMode")),
			RuleLabels:       awsLabels("cognito:credential-stuffing:username"),
			VisibilityConfig: awsVisible("CredentialStuffingPerUsername"),
		})
	},
}

// smsOps are the operations that send an SMS: SignUp and
// UpdateUserAttributes carry the number; ResendConfirmationCode and
// ForgotPassword name only the user.
var (
	smsNumberOps = []string{"SignUp", "UpdateUserAttributes"}
	smsUserOps   = []string{"ResendConfirmationCode", "ForgotPassword"}
)

// cognitoSMSPumping limits the SMS a pool can be made to send, per number
// and per country calling code.
var cognitoSMSPumping = definition{
	doc: "SMS pumping limits: per phone number and per country calling code on SignUp and UpdateUserAttributes " +
		"(x-poolguard-phone, x-poolguard-phone-cc), per user name on ResendConfirmationCode and ForgotPassword " +
		"(which carry no number), and an optional allow list of country calling codes.",
	params: []Param{
		{Name: "PhoneNumberRateLimit", Kind: Limit, Default: int64(10), Doc: "SMS-sending requests allowed per phone number in the window."},
		{Name: "CountryCodeRateLimit", Kind: Limit, Default: int64(200), Doc: "SMS-sending requests allowed per country calling code in the window."},
		{Name: "UsernameRateLimit", Kind: Limit, Default: int64(10), Doc: "ResendConfirmationCode and ForgotPassword requests allowed per user name in the window."},
		{Name: "AllowedCallingCodes", Kind: CallingCodes, Default: []string{}, Doc: "If set, numbers with other country calling codes are refused (e.g. [\"+1\", \"+44\"])."},
		{Name: "EvaluationWindowSec", Kind: Window, Default: int64(600), Doc: "The evaluation window, in seconds."},
		{Name: "TestMode", Kind: Bool, Default: false, Doc: "Count instead of Block."},
	},
	build: func(b *builder, v values) {
		test, window := v.bool("TestMode"), v.int("EvaluationWindowSec")
		numbers := awsTargets(smsNumberOps...)
		if allowed := v.strs("AllowedCallingCodes"); len(allowed) > 0 {
			ccs := make([]waf.Statement, len(allowed))
			for i, cc := range allowed {
				ccs[i] = awsHeaderMatch(hdrPhoneCC, "EXACTLY", cc)
			}
			b.awsRule(waf.Rule{
				Name:             "SmsPumpingCallingCodeNotAllowed",
				Statement:        &[]waf.Statement{awsAnd(numbers, awsHeaderMatch(hdrPhoneCC, "STARTS_WITH", "+"), awsNot(awsOr(ccs...)))}[0],
				Action:           awsBlockOrCount(test),
				RuleLabels:       awsLabels("cognito:sms-pumping:calling-code-not-allowed"),
				VisibilityConfig: awsVisible("SmsPumpingCallingCodeNotAllowed"),
			})
		}
		for _, r := range []struct {
			name, param, label, key string
			scope                   waf.Statement
		}{
			{"SmsPumpingPerPhoneNumber", "PhoneNumberRateLimit", "phone-number", hdrPhone, numbers},
			{"SmsPumpingPerCallingCode", "CountryCodeRateLimit", "calling-code", hdrPhoneCC, numbers},
			{"SmsPumpingPerUsername", "UsernameRateLimit", "username", hdrUsername, awsTargets(smsUserOps...)},
		} {
			b.awsRule(waf.Rule{
				Name:             r.name,
				Statement:        awsRate(v.int(r.param), window, r.scope, r.key),
				Action:           awsBlockOrCount(test),
				RuleLabels:       awsLabels("cognito:sms-pumping:" + r.label),
				VisibilityConfig: awsVisible(r.name),
			})
		}
	},
}

// TooManyRequestsBody is the custom response body key of cognito-advanced's
// app client rule.
const TooManyRequestsBody = "CognitoTooManyRequests"

// cognitoAdvanced reproduces seed 001's advanced sample rules.
var cognitoAdvanced = definition{
	doc: "Seed 001's advanced rules: a CAPTCHA on the Hosted UI sign-in path for requests labelled by the IP reputation or " +
		"anonymous-IP lists or by the bot-control non-browser user-agent signal (never for AssociateSoftwareToken or " +
		"VerifySoftwareToken, which a CAPTCHA would break), and, when AppClientId is set, a per-IP rate limit and a " +
		"geography restriction for that app client answering 429 with a Cognito-shaped JSON body.",
	params: []Param{
		{Name: "CaptchaPath", Kind: Text, Default: "/login", Doc: "The Hosted UI path that gets the CAPTCHA."},
		{Name: "ImmunityTime", Kind: Seconds, Default: int64(300), Doc: "How long a solved CAPTCHA lets a client through, in seconds."},
		{Name: "AppClientId", Kind: Text, Default: "", Doc: "The app client whose requests are limited by geography and rate; empty leaves the rules out."},
		{Name: "AppClientCountries", Kind: Countries, Default: []string{"US"}, Doc: "Countries the app client's requests may come from."},
		{Name: "AppClientRateLimit", Kind: Limit, Default: int64(100), Doc: "The app client's requests allowed per IP in the window."},
		{Name: "EvaluationWindowSec", Kind: Window, Default: int64(300), Doc: "The evaluation window, in seconds."},
		{Name: "TestMode", Kind: Bool, Default: false, Doc: "Count instead of CAPTCHA and Block."},
	},
	build: func(b *builder, v values) {
		test := v.bool("TestMode")
		immunity := &waf.ImmunityConfig{ImmunityTimeProperty: &waf.ImmunityTimeProperty{ImmunityTime: v.int("ImmunityTime")}}
		mfaSetup := awsNot(awsTargets("AssociateSoftwareToken", "VerifySoftwareToken"))
		login := awsPath(v.str("CaptchaPath"))
		b.awsRule(waf.Rule{
			Name: "LoginCaptchaForListedIPs",
			Statement: &[]waf.Statement{awsAnd(login, mfaSetup,
				awsOr(awsLabel("NAMESPACE", IPReputationNamespace), awsLabel("NAMESPACE", AnonymousIPNamespace)))}[0],
			Action:           awsCaptchaOrCount(test),
			RuleLabels:       awsLabels("cognito:advanced:login-captcha:ip-list"),
			VisibilityConfig: awsVisible("LoginCaptchaForListedIPs"),
			CaptchaConfig:    immunity,
		})
		b.awsRule(waf.Rule{
			Name:             "LoginCaptchaForNonBrowsers",
			Statement:        &[]waf.Statement{awsAnd(login, mfaSetup, awsLabel("LABEL", NonBrowserUALabel))}[0],
			Action:           awsCaptchaOrCount(test),
			RuleLabels:       awsLabels("cognito:advanced:login-captcha:bot-signal"),
			VisibilityConfig: awsVisible("LoginCaptchaForNonBrowsers"),
			CaptchaConfig:    immunity,
		})
		client := v.str("AppClientId")
		if client == "" {
			return
		}
		b.responseBody(TooManyRequestsBody, "APPLICATION_JSON",
			`{"__type":"TooManyRequestsException","message":"Too many requests for this app client from your location."}`)
		tooMany := &waf.RuleAction{Block: &waf.BlockAction{CustomResponse: &waf.CustomResponse{
			ResponseCode: 429, CustomResponseBodyKey: TooManyRequestsBody,
			ResponseHeaders: []waf.CustomHTTPHeader{{Name: "x-amzn-ErrorType", Value: "TooManyRequestsException"}},
		}}}
		if test {
			tooMany = awsBlockOrCount(true)
		}
		isClient := awsHeaderMatch(hdrClientID, "EXACTLY", client)
		geo := waf.Statement{GeoMatchStatement: &waf.GeoMatchStatement{CountryCodes: v.strs("AppClientCountries")}}
		b.awsRule(waf.Rule{
			Name:             "AppClientOutsideCountries",
			Statement:        &[]waf.Statement{awsAnd(isClient, awsNot(geo))}[0],
			Action:           tooMany,
			RuleLabels:       awsLabels("cognito:advanced:app-client:geo"),
			VisibilityConfig: awsVisible("AppClientOutsideCountries"),
		})
		b.awsRule(waf.Rule{
			Name: "AppClientRateLimit",
			Statement: &waf.Statement{RateBasedStatement: &waf.RateBasedStatement{
				Limit: v.int("AppClientRateLimit"), EvaluationWindowSec: v.int("EvaluationWindowSec"), AggregateKeyType: "IP",
				ScopeDownStatement: &[]waf.Statement{awsAnd(isClient, geo)}[0],
			}},
			Action:           tooMany,
			RuleLabels:       awsLabels("cognito:advanced:app-client:rate"),
			VisibilityConfig: awsVisible("AppClientRateLimit"),
		})
	},
}
