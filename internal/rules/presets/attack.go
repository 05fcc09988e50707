package presets

import (
	"fmt"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/rules/outcome"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// AttackProtection is the name of the preset that turns on the outcome
// tracker (package outcome) and acts on its labels.
const AttackProtection = "cognito-attack-protection"

// SMSBudgetBody is the custom response body key of the SMS budget rule.
const SMSBudgetBody = "CognitoSmsBudgetExhausted"

// The kinds of the attack-protection parameters.
const (
	// Count is a non-negative integer up to 1,000,000,000 (0 disables
	// what it bounds).
	Count Kind = iota + 100
	// Percent is an integer from 0 to 100.
	Percent
	// Action is BLOCK, CAPTCHA, CHALLENGE or COUNT.
	Action
)

var attackParams = []Param{
	{Name: "BruteForceThreshold", Kind: Count, Default: int64(10), Doc: "Failed sign-ins for one user from one IP (or 4× that from its /24; an IPv6 /64 counts as one IP) before that source is refused for that user; 0 turns the rule off."},
	{Name: "BruteForceWindowSec", Kind: Seconds, Default: int64(3600), Doc: "How long those failures count; a successful sign-in from the source or a confirmed password reset clears them."},
	{Name: "KnownSourceDays", Kind: Count, Default: int64(30), Doc: "How long a successful sign-in makes its IP and network known for the user (known sources are never refused for that user)."},
	{Name: "SuspiciousFailuresPerMinute", Kind: Count, Default: int64(10), Doc: "Failed attempts per minute from one source (burst) that make it suspicious, with a low success ratio."},
	{Name: "SuspiciousFailuresPerDay", Kind: Count, Default: int64(100), Doc: "Failed attempts per day from one source that make it suspicious, with a low success ratio."},
	{Name: "SuspiciousUsersPerDay", Kind: Count, Default: int64(5), Doc: "Distinct users failed per day from one source that make it suspicious, with a low success ratio."},
	{Name: "SuspiciousMaxSuccessPercent", Kind: Percent, Default: int64(20), Doc: "A source is suspicious only while its successful sign-ins are below this share of its attempts."},
	{Name: "UnderAttackFailures", Kind: Count, Default: int64(10), Doc: "Failures for one user, in the window, that put the account under attack."},
	{Name: "UnderAttackSources", Kind: Count, Default: int64(3), Doc: "Distinct sources those failures must come from."},
	{Name: "UnderAttackWindowSec", Kind: Seconds, Default: int64(3600), Doc: "The under-attack window."},
	{Name: "EnumerationMinimum", Kind: Count, Default: int64(10), Doc: "Unknown-user answers per day from one source before it can be marked enumerating."},
	{Name: "EnumerationPercent", Kind: Percent, Default: int64(80), Doc: "Share of a source's attempts answered UserNotFoundException that marks it enumerating."},
	{Name: "NetworkFactor", Kind: Count, Default: int64(4), Doc: "Multiplier of the per-IP thresholds for an IPv4 /24."},
	{Name: "SmsPerHour", Kind: Count, Default: int64(100), Doc: "SMS the pool may send per clock hour through this endpoint (0: no budget)."},
	{Name: "SmsPerDay", Kind: Count, Default: int64(1000), Doc: "SMS per UTC day (0: no budget)."},
	{Name: "SmsPerCallingCodeHour", Kind: Count, Default: int64(20), Doc: "SMS per country calling code per clock hour (0: no budget)."},
	{Name: "SmsPerCallingCodeDay", Kind: Count, Default: int64(200), Doc: "SMS per country calling code per UTC day (0: no budget)."},
	{Name: "BruteForceAction", Kind: Action, Default: "BLOCK", Doc: "What a brute-force source gets for that user: BLOCK, CAPTCHA, CHALLENGE or COUNT."},
	{Name: "UnderAttackAction", Kind: Action, Default: "CHALLENGE", Doc: "What unknown sources get for a user under attack (known sources pass)."},
	{Name: "SuspiciousAction", Kind: Action, Default: "BLOCK", Doc: "What a suspicious source gets on sign-in and account recovery (sources known for the user pass)."},
	{Name: "EnumerationAction", Kind: Action, Default: "BLOCK", Doc: "What an enumerating source gets on sign-in and account recovery (sources known for the user pass)."},
	{Name: "SmsBudgetAction", Kind: Action, Default: "BLOCK", Doc: "What an SMS-sending call gets once a budget is spent; BLOCK answers LimitExceededException."},
	{Name: "TestMode", Kind: Bool, Default: false, Doc: "Count instead of every other action."},
}

// convertAttack converts the attack-protection kinds.
func convertAttack(k Kind, v any) (any, error) {
	switch k {
	case Count, Percent:
		n, ok := integer(v)
		max := int64(1_000_000_000)
		if k == Percent {
			max = 100
		}
		if !ok || n < 0 || n > max {
			return nil, fmt.Errorf("%v is not an integer from 0 to %d", describe(v), max)
		}
		return n, nil
	case Action:
		s, ok := v.(string)
		switch u := strings.ToUpper(s); {
		case ok && (u == "BLOCK" || u == "CAPTCHA" || u == "CHALLENGE" || u == "COUNT"):
			return u, nil
		}
		return nil, fmt.Errorf("%v is not BLOCK, CAPTCHA, CHALLENGE or COUNT", describe(v))
	}
	return nil, fmt.Errorf("unknown kind %d", k)
}

// cognitoAttackProtection acts on the outcome tracker's labels.
var cognitoAttackProtection = definition{
	doc: "Attack protection from Cognito's answers (what AWS WAF cannot see): brute-force protection per user and source " +
		"with known-source exemption, a challenge for unknown sources of an account under attack, suspicious-source " +
		"throttling, enumeration marking and SMS budgets. The proxy adds the poolguard:outcome:* and poolguard:sms:* " +
		"labels before the rules run; these rules act on them. On AWS the labels never appear and the rules never match.",
	params: attackParams,
	build: func(b *builder, v values) {
		test := v.bool("TestMode")
		act := func(p string) *waf.RuleAction { return attackAction(v.str(p), test) }
		unknown := awsNot(awsLabel("LABEL", outcome.LabelKnownSource))
		one := func(s waf.Statement) *waf.Statement { return &s }
		for _, r := range []struct {
			name, action string
			stmt         waf.Statement
		}{
			{"AttackProtectionBruteForce", "BruteForceAction", awsLabel("LABEL", outcome.LabelBruteForce)},
			{"AttackProtectionUnderAttack", "UnderAttackAction", awsAnd(awsLabel("LABEL", outcome.LabelUnderAttack), unknown)},
			{"AttackProtectionSuspiciousSource", "SuspiciousAction", awsAnd(awsLabel("LABEL", outcome.LabelSuspicious), unknown)},
			{"AttackProtectionEnumeration", "EnumerationAction", awsAnd(awsLabel("LABEL", outcome.LabelEnumerating), unknown)},
		} {
			b.awsRule(waf.Rule{
				Name: r.name, Statement: one(r.stmt), Action: act(r.action),
				VisibilityConfig: awsVisible(r.name),
			})
		}
		sms := act("SmsBudgetAction")
		if sms.Block != nil {
			b.responseBody(SMSBudgetBody, "APPLICATION_JSON",
				`{"__type":"LimitExceededException","message":"The SMS budget of this endpoint is spent; try again later."}`)
			sms.Block.CustomResponse = &waf.CustomResponse{
				ResponseCode: 400, CustomResponseBodyKey: SMSBudgetBody,
				ResponseHeaders: []waf.CustomHTTPHeader{{Name: "x-amzn-ErrorType", Value: "LimitExceededException:"}},
			}
		}
		b.awsRule(waf.Rule{
			Name: "AttackProtectionSmsBudget", Statement: one(awsLabel("LABEL", outcome.LabelSMSExhausted)), Action: sms,
			VisibilityConfig: awsVisible("AttackProtectionSmsBudget"),
		})
	},
}

func attackAction(a string, test bool) *waf.RuleAction {
	switch {
	case test || a == "COUNT":
		return &waf.RuleAction{Count: &waf.CountAction{}}
	case a == "CAPTCHA":
		return &waf.RuleAction{Captcha: &waf.CaptchaAction{}}
	case a == "CHALLENGE":
		return &waf.RuleAction{Challenge: &waf.ChallengeAction{}}
	}
	return &waf.RuleAction{Block: &waf.BlockAction{}}
}

// AttackProtectionConfig returns the outcome tracker's thresholds for the
// cognito-attack-protection parameters params (defaults for those not
// given). Errors name the parameter, as Generate's do.
func AttackProtectionConfig(params map[string]any) (outcome.Config, error) {
	v, err := resolve(AttackProtection, attackParams, params)
	if err != nil {
		return outcome.Config{}, err
	}
	n := func(p string) int { return int(v.int(p)) }
	sec := func(p string) time.Duration { return time.Duration(v.int(p)) * time.Second }
	return outcome.Config{
		BruteForce:                  n("BruteForceThreshold"),
		SuspiciousPerMinute:         n("SuspiciousFailuresPerMinute"),
		SuspiciousPerDay:            n("SuspiciousFailuresPerDay"),
		SuspiciousUsersPerDay:       n("SuspiciousUsersPerDay"),
		SuspiciousMaxSuccessPercent: n("SuspiciousMaxSuccessPercent"),
		UnderAttackFailures:         n("UnderAttackFailures"),
		UnderAttackSources:          n("UnderAttackSources"),
		EnumerationMinimum:          n("EnumerationMinimum"),
		EnumerationPercent:          n("EnumerationPercent"),
		NetworkFactor:               n("NetworkFactor"),
		Windows: outcome.Windows{
			BruteForce:      sec("BruteForceWindowSec"),
			UnderAttack:     sec("UnderAttackWindowSec"),
			KnownSource:     time.Duration(v.int("KnownSourceDays")) * 24 * time.Hour,
			SMSHour:         v.int("SmsPerHour"),
			SMSDay:          v.int("SmsPerDay"),
			CallingCodeHour: v.int("SmsPerCallingCodeHour"),
			CallingCodeDay:  v.int("SmsPerCallingCodeDay"),
		},
	}, nil
}
