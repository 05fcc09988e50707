package config

import (
	"strings"
	"testing"
	"time"
)

const hookBase = "upstream: {region: us-east-1}\nclients: [{client_id: c}]\n"

func TestDecisionHookDefaults(t *testing.T) {
	cfg, err := Parse("t.yaml", []byte(hookBase+"decision_hook: {url: 'http://127.0.0.1:9000/decide', operations: [SignUp]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := cfg.DecisionHook
	if h.Timeout != 150*time.Millisecond || h.OnError != "allow" || h.MaxConcurrency != 64 {
		t.Errorf("defaults not applied: %+v", h)
	}
}

func TestDecisionHookProblems(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"{url: 'ftp://x', operations: [SignUp]}", "t.yaml:3:"},
		{"{url: 'ftp://x', operations: [SignUp]}", "decision_hook.url: \"ftp://x\" is not an absolute http(s) URL"},
		{"{url: 'http://[::1', operations: [SignUp]}", "decision_hook.url"},
		{"{operations: [SignUp]}", "decision_hook.url: set the URL"},
		{"{url: 'http://h', operations: []}", "decision_hook.operations: list"},
		{"{url: 'http://h', operations: [SignUpp]}", "unknown Cognito operation"},
		{"{url: 'http://h', operations: [SignUp], on_error: maybe}", "decision_hook.on_error"},
		{"{url: 'http://h', operations: [SignUp], on_error: maybe}", "t.yaml:3:"},
		{"{url: 'http://h', operations: [SignUp], body_fields: [Password]}", "never sent"},
		{"{url: 'http://h', operations: [SignUp], body_fields: [AuthParameters.SRP_A]}", "never sent"},
		{"{url: 'http://h', operations: [SignUp], body_fields: ['UserAttributes.#.Value']}", "dotted field path"},
		{"{url: 'http://h', operations: [SignUp], send_headers: [Authorization]}", "carries credentials"},
		{"{url: 'http://h', operations: [SignUp], max_concurrency: -1}", "max_concurrency"},
		{"{url: 'http://h', operations: [SignUp], timeout: 1m}", "decision_hook.timeout"},
	} {
		_, err := Parse("t.yaml", []byte(hookBase+"decision_hook: "+tc.yaml+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.yaml, err, tc.want)
		}
	}
}

func TestSecretField(t *testing.T) {
	for p, want := range map[string]bool{
		"Password": true, "PreviousPassword": true, "ProposedPassword": true, "AccessToken": true,
		"RefreshToken": true, "Session": true, "SecretHash": true, "ClientSecret": true,
		"ConfirmationCode": true, "UserCode": true, "ChallengeResponses.SMS_MFA_CODE": true,
		"ChallengeResponses.USERNAME": false, "ChallengeResponses": true, "AuthParameters.PASSWORD": true,
		"AuthParameters.SRP_A": true, "AuthParameters.USERNAME": false, "AuthParameters": true,
		"ClientMetadata.otp": true, "UserAttributes": false, "ClientMetadata.campaign": false,
		"Username": false, "UserContextData.EncodedData": false, "AnalyticsMetadata": false,
	} {
		if got := SecretField(p); got != want {
			t.Errorf("SecretField(%q) = %v, want %v", p, got, want)
		}
	}
}
