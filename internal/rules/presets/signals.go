package presets

import (
	"github.com/poolguard/poolguard/internal/rules/breached"
	"github.com/poolguard/poolguard/internal/rules/phone"
	"github.com/poolguard/poolguard/internal/rules/waf"
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
		"Stops one account being tried from many addresses, each under the per-IP limits. " +
		"Challenges sign-ins whose password is in the breached-password filter (USER_PASSWORD_AUTH; SRP carries no password).",
	params: []Param{
		{Name: "UsernameRateLimit", Kind: Limit, Default: int64(20), Doc: "Sign-in requests allowed per user name in the window (an SRP sign-in takes two)."},
		{Name: "EvaluationWindowSec", Kind: Window, Default: int64(300), Doc: "The evaluation window, in seconds."},
		{Name: "BreachedPasswordChallenge", Kind: Bool, Default: true, Doc: "Challenge sign-ins whose password is in the breached-password filter (label poolguard:credential:breached)."},
		{Name: "TestMode", Kind: Bool, Default: false, Doc: "Count instead of Block and Challenge."},
	},
	build: func(b *builder, v values) {
		b.awsRule(waf.Rule{
			Name:             "CredentialStuffingPerUsername",
			Statement:        awsRate(v.int("UsernameRateLimit"), v.int("EvaluationWindowSec"), awsTargets(signInOps...), hdrUsername),
			Action:           awsBlockOrCount(v.bool("TestMode")),
			RuleLabels:       awsLabels("cognito:credential-stuffing:username"),
			VisibilityConfig: awsVisible("CredentialStuffingPerUsername"),
		})
		if !v.bool("BreachedPasswordChallenge") {
			return
		}
		action := &waf.RuleAction{Challenge: &waf.ChallengeAction{}}
		if v.bool("TestMode") {
			action = awsBlockOrCount(true)
		}
		b.awsRule(waf.Rule{
			Name:             "BreachedPasswordSignIn",
			Statement:        &[]waf.Statement{awsLabel("LABEL", breached.LabelBreached)}[0],
			Action:           action,
			RuleLabels:       awsLabels("cognito:credential-stuffing:breached-password"),
			VisibilityConfig: awsVisible("BreachedPasswordSignIn"),
		})
	},
}

// cognitoSMSPumping limits the SMS a pool can be made to send: by the
// region and line type of the number, per number, per region, per user
// name and per access-token subject.
var cognitoSMSPumping = definition{
	doc: "SMS pumping limits on every request that can make the pool send an SMS (label poolguard:phone:sms: " +
		"SignUp and UpdateUserAttributes with a phone number, phone-number user names on SignUp, ForgotPassword, " +
		"ResendConfirmationCode and USER_AUTH sign-ins, GetUserAttributeVerificationCode of phone_number): " +
		"refuses premium-rate, shared-cost and unknown line types, and numbers outside AllowedRegions; " +
		"limits per number (x-poolguard-phone), per region (x-poolguard-phone-region), per user name when the code goes " +
		"to the user's stored number, and per access-token subject (x-poolguard-subject). " +
		"Deprecated: AllowedCallingCodes and CountryCodeRateLimit (a calling code such as +1 spans many countries).",
	params: []Param{
		{Name: "PhoneNumberRateLimit", Kind: Limit, Default: int64(10), Doc: "SMS-sending requests allowed per phone number in the window."},
		{Name: "RegionRateLimit", Kind: Limit, Default: int64(200), Doc: "SMS-sending requests allowed per region (ISO country of the number) in the window."},
		{Name: "UsernameRateLimit", Kind: Limit, Default: int64(10), Doc: "Requests per user name that send a code to the user's stored number (ForgotPassword, ResendConfirmationCode, SMS sign-in) in the window."},
		{Name: "SubjectRateLimit", Kind: Limit, Default: int64(10), Doc: "GetUserAttributeVerificationCode and UpdateUserAttributes of phone_number allowed per access-token subject in the window."},
		{Name: "AllowedRegions", Kind: Countries, Default: []string{}, Doc: "If set, numbers of other regions (ISO 3166-1 alpha-2, e.g. [\"US\", \"GB\"]) are refused; +1 876 is JM, not US."},
		{Name: "RefusedNumberTypes", Kind: NumberTypes, Default: []string{"premium-rate", "shared-cost", "unknown"}, Doc: "Line types refused (mobile, fixed-line, fixed-line-or-mobile, toll-free, premium-rate, shared-cost, voip, personal-number, pager, uan, voicemail, unknown)."},
		{Name: "AllowedCallingCodes", Kind: CallingCodes, Default: []string{}, Doc: "Deprecated (use AllowedRegions): if set, numbers with other country calling codes are refused (e.g. [\"+1\", \"+44\"])."},
		{Name: "CountryCodeRateLimit", Kind: Limit, Default: int64(0), Doc: "Deprecated (use RegionRateLimit): if set, SMS-sending requests allowed per country calling code in the window."},
		{Name: "EvaluationWindowSec", Kind: Window, Default: int64(600), Doc: "The evaluation window, in seconds."},
		{Name: "TestMode", Kind: Bool, Default: false, Doc: "Count instead of Block."},
	},
	build: func(b *builder, v values) {
		test := v.bool("TestMode")
		sms := awsLabel("LABEL", phone.LabelSMS)
		refuse := func(name, label string, st waf.Statement) {
			b.awsRule(waf.Rule{
				Name: name, Statement: &st, Action: awsBlockOrCount(test),
				RuleLabels: awsLabels("cognito:sms-pumping:" + label), VisibilityConfig: awsVisible(name),
			})
		}
		if types := v.strs("RefusedNumberTypes"); len(types) > 0 {
			s := make([]waf.Statement, len(types))
			for i, ty := range types {
				s[i] = awsLabel("LABEL", phone.TypeNamespace+ty)
			}
			refuse("SmsPumpingNumberTypeRefused", "number-type-refused", awsOr(s...))
		}
		if allowed := v.strs("AllowedRegions"); len(allowed) > 0 {
			s := make([]waf.Statement, len(allowed))
			for i, r := range allowed {
				s[i] = awsLabel("LABEL", phone.RegionNamespace+r)
			}
			refuse("SmsPumpingRegionNotAllowed", "region-not-allowed", awsAnd(awsLabel("NAMESPACE", phone.RegionNamespace), awsNot(awsOr(s...))))
		}
		if allowed := v.strs("AllowedCallingCodes"); len(allowed) > 0 {
			ccs := make([]waf.Statement, len(allowed))
			for i, cc := range allowed {
				ccs[i] = awsHeaderMatch(hdrPhoneCC, "EXACTLY", cc)
			}
			refuse("SmsPumpingCallingCodeNotAllowed", "calling-code-not-allowed",
				awsAnd(sms, awsHeaderMatch(hdrPhoneCC, "STARTS_WITH", "+"), awsNot(awsOr(ccs...))))
		}
		smsRateRules(b, v, sms)
	},
}

// smsRateRules adds the SMS preset's rate-based rules. A rule counts only
// requests that carry its key: a number, a region, a subject.
func smsRateRules(b *builder, v values, sms waf.Statement) {
	test, window := v.bool("TestMode"), v.int("EvaluationWindowSec")
	rules := []struct {
		name, param, label, key string
		scope                   waf.Statement
	}{
		{"SmsPumpingPerPhoneNumber", "PhoneNumberRateLimit", "phone-number", hdrPhone, sms},
		{"SmsPumpingPerRegion", "RegionRateLimit", "region", hdrPhoneRegion, sms},
		{"SmsPumpingPerCallingCode", "CountryCodeRateLimit", "calling-code", hdrPhoneCC, sms},
		{"SmsPumpingPerUsername", "UsernameRateLimit", "username", hdrUsername, awsLabel("LABEL", phone.LabelStored)},
		{"SmsPumpingPerSubject", "SubjectRateLimit", "subject", hdrSubject, sms},
	}
	for _, r := range rules {
		if v.int(r.param) == 0 { // a deprecated rule left out
			continue
		}
		b.awsRule(waf.Rule{
			Name:             r.name,
			Statement:        awsRate(v.int(r.param), window, r.scope, r.key),
			Action:           awsBlockOrCount(test),
			RuleLabels:       awsLabels("cognito:sms-pumping:" + r.label),
			VisibilityConfig: awsVisible(r.name),
		})
	}
}

// TooManyRequestsBody is the custom response body key of cognito-advanced's
// app client rule.
const TooManyRequestsBody = "CognitoTooManyRequests"

// cognitoAdvanced reproduces the advanced sample rules of the AWS Security Blog article "Protect your Amazon Cognito user pool with AWS WAF".
var cognitoAdvanced = definition{
	doc: "Advanced rules of the AWS article Protect your Amazon Cognito user pool with AWS WAF: a CAPTCHA on the Hosted UI sign-in path for requests labelled by the IP reputation or " +
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
