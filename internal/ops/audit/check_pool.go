package audit

import (
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// checkUnverifiedUpdate finds email and phone_number changes that take
// effect before the new value is verified (the second attack of the Haufe-Lexware article "A call for debate on how to secure AWS Cognito").
func checkUnverifiedUpdate(s *Snapshot, _ *Proxy) []Finding {
	var kept []types.VerifiedAttributeType
	if u := s.Pool.UserAttributeUpdateSettings; u != nil {
		kept = u.AttributesRequireVerificationBeforeUpdate
	}
	var missing []string
	for _, a := range []string{"email", "phone_number"} {
		if usesAttribute(s, a) && !slices.Contains(kept, types.VerifiedAttributeType(a)) {
			missing = append(missing, a)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	list := strings.Join(missing, ", ")
	return []Finding{{
		ID: "unverified-attribute-update", Severity: High,
		Title: "A user's " + list + " changes before the new value is verified",
		Reason: "Without \"keep original attribute value active\", UpdateUserAttributes replaces " + list +
			" at once (unverified). A user can set a victim's address and, in apps that trust the email claim without email_verified, sign in as the victim (see \"A call for debate on how to secure AWS Cognito\", Haufe-Lexware).",
		Console: "User pools > (pool) > Sign-up > Attribute verification and user account confirmation > Edit: select \"Keep original attribute value active when an update is pending\" for " + list + ".",
		API:     "UpdateUserPool UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate = [" + list + "] (the attributes must also be in AutoVerifiedAttributes).",
	}}
}

// usesAttribute reports whether the pool signs in, verifies or lets a
// client write attribute a.
func usesAttribute(s *Snapshot, a string) bool {
	p := &s.Pool
	if slices.Contains(p.UsernameAttributes, types.UsernameAttributeType(a)) ||
		slices.Contains(p.AliasAttributes, types.AliasAttributeType(a)) ||
		slices.Contains(p.AutoVerifiedAttributes, types.VerifiedAttributeType(a)) {
		return true
	}
	for i := range s.Clients {
		if slices.Contains(writable(s, &s.Clients[i]), a) {
			return true
		}
	}
	return false
}

func checkSelfSignUp(s *Snapshot, _ *Proxy) []Finding {
	if c := s.Pool.AdminCreateUserConfig; c != nil && c.AllowAdminCreateUserOnly {
		return nil
	}
	return []Finding{{
		ID: "self-sign-up", Severity: Low,
		Title:   "Anyone can sign up",
		Reason:  "SignUp is public: anyone who knows a client id can create users (and MAU cost) and set every attribute the client may write, immutable custom attributes included. Fine for consumer apps; close it when users are invited.",
		Console: "User pools > (pool) > Sign-up > Self-service sign-up > Edit: clear \"Enable self-registration\".",
		API:     "UpdateUserPool AdminCreateUserConfig.AllowAdminCreateUserOnly = true.",
	}}
}

func checkThreatProtection(s *Snapshot, _ *Proxy) []Finding {
	mode := types.AdvancedSecurityModeTypeOff
	if a := s.Pool.UserPoolAddOns; a != nil && a.AdvancedSecurityMode != "" {
		mode = a.AdvancedSecurityMode
	}
	if mode == types.AdvancedSecurityModeTypeEnforced {
		return nil
	}
	sev := Medium
	if mode == types.AdvancedSecurityModeTypeAudit {
		sev = Low
	}
	return []Finding{{
		ID: "threat-protection-off", Severity: sev,
		Title:   "Threat protection is " + strings.ToLower(string(mode)) + ", not enforced",
		Reason:  "Cognito does not block sign-ins with compromised credentials or adaptive-risk signals; the proxy's IP context data (propagate_ip) is only acted on in full-function mode.",
		Console: "User pools > (pool) > Threat protection > Edit: Enforcement mode \"Full function\" (needs the Plus feature plan).",
		API:     "UpdateUserPool UserPoolAddOns.AdvancedSecurityMode = ENFORCED (UserPoolTier = PLUS).",
	}}
}

func checkDeletionProtection(s *Snapshot, _ *Proxy) []Finding {
	if s.Pool.DeletionProtection == types.DeletionProtectionTypeActive {
		return nil
	}
	return []Finding{{
		ID: "deletion-protection-off", Severity: Low,
		Title:   "Deletion protection is off",
		Reason:  "One DeleteUserPool call (a mistaken script, a leaked admin key) deletes every user irrecoverably.",
		Console: "User pools > (pool) > Settings > Deletion protection > Activate.",
		API:     "UpdateUserPool DeletionProtection = ACTIVE.",
	}}
}

// checkSMSLimits finds a pool that sends SMS (verification or MFA) while
// the proxy has no rate limits in front of the operations that send them.
func checkSMSLimits(s *Snapshot, p *Proxy) []Finding {
	var what []string
	if slices.Contains(s.Pool.AutoVerifiedAttributes, types.VerifiedAttributeTypePhoneNumber) {
		what = append(what, "SMS verification codes")
	}
	if s.Pool.MfaConfiguration != "" && s.Pool.MfaConfiguration != types.UserPoolMfaTypeOff && s.Pool.SmsConfiguration != nil {
		what = append(what, "SMS MFA codes")
	}
	if len(what) == 0 || p.RateLimited {
		return nil
	}
	why := "the proxy configuration has no rate-limiting preset"
	if !p.Configured {
		why = "no proxy configuration was given (--config) to show limits"
	}
	return []Finding{{
		ID: "sms-without-limits", Severity: Medium,
		Title:   "The pool sends " + strings.Join(what, " and ") + " and " + why,
		Reason:  "SignUp, ResendConfirmationCode, ForgotPassword and sign-in each send an SMS; unthrottled they are a toll-fraud (SMS pumping) and cost target.",
		Console: "poolguard config: waf.presets: [cognito-categories] (limits per action category); AWS: Amazon SNS > Text messaging (SMS) > account spend limit.",
		API:     "poolguard config waf.presets; SNS SetSMSAttributes MonthlySpendLimit; attach the web ACL from `poolguard export waf` to the pool.",
	}}
}

func checkMissingClients(s *Snapshot, _ *Proxy) []Finding {
	var out []Finding
	for _, id := range s.Missing {
		out = append(out, Finding{
			ID: "configured-client-missing", Severity: Medium,
			Title:   "The proxy serves client " + id + ", which the pool does not have",
			Reason:  "Requests for it fail upstream with ResourceNotFoundException; the client id or user_pool_id in the proxy config is wrong.",
			Console: "User pools > (pool) > App integration > App clients: compare the client ids.",
			API:     "ListUserPoolClients; fix clients[].client_id / user_pool_id in the poolguard config.",
		})
	}
	return out
}
