package waf

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
)

// fakeTokens answers from the request's x-test-token header: "valid@<unix>"
// or "forged".
type fakeTokens struct{}

func (fakeTokens) Solved(v *request.View, kind Action) (time.Time, TokenStatus) {
	h, ok := v.HeaderValue("x-test-token")
	switch {
	case !ok:
		return time.Time{}, TokenMissing
	case strings.HasPrefix(h, "valid@"):
		at, _ := time.Parse(time.RFC3339, h[len("valid@"):])
		return at, TokenValid
	}
	return time.Time{}, TokenInvalid
}

const tokenACL = `{"Name":"t","DefaultAction":{"Allow":{}},
 "CaptchaConfig":{"ImmunityTimeProperty":{"ImmunityTime":600}},
 "Rules":[
  {"Name":"bad-ip-captcha","Priority":0,"Action":{"Captcha":{}},
   "Statement":{"LabelMatchStatement":{"Scope":"NAMESPACE","Key":"awswaf:managed:aws:amazon-ip-list:"}}},
  {"Name":"bot-challenge","Priority":1,"Action":{"Challenge":{}},"ChallengeConfig":{"ImmunityTimeProperty":{"ImmunityTime":60}},
   "Statement":{"LabelMatchStatement":{"Scope":"LABEL","Key":"awswaf:managed:aws:bot-control:signal:non_browser_user_agent"}}},
  {"Name":"count-all","Priority":2,"Action":{"Count":{}},"RuleLabels":[{"Name":"seen"}],
   "Statement":{"ByteMatchStatement":{"FieldToMatch":{"UriPath":{}},"PositionalConstraint":"STARTS_WITH","SearchString":"/","TextTransformations":[{"Priority":0,"Type":"NONE"}]}}}
 ]}`

func TestSeededLabelsAndTokens(t *testing.T) {
	e, err := New([]byte(tokenACL), Options{Tokens: fakeTokens{}})
	if err != nil {
		t.Fatal(err)
	}
	now := testStart
	rep, bot := "awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList", "awswaf:managed:aws:bot-control:signal:non_browser_user_agent"
	for _, tc := range []struct {
		name      string
		labels    []string
		token     string
		action    Action
		term      string
		captcha   TokenResult
		challenge TokenResult
		nonTerm   string
	}{
		{"no signals", nil, "", ActionAllow, DefaultActionID, TokenResult{}, TokenResult{}, "count-all"},
		{"reputation, no token", []string{rep}, "", ActionCaptcha, "bad-ip-captcha",
			TokenResult{Checked: true, ResponseCode: 405, FailureReason: "TOKEN_MISSING"}, TokenResult{}, ""},
		{"reputation, forged token", []string{rep}, "forged", ActionCaptcha, "bad-ip-captcha",
			TokenResult{Checked: true, ResponseCode: 405, FailureReason: "TOKEN_INVALID"}, TokenResult{}, ""},
		{"reputation, token within the web ACL's 600 s", []string{rep}, "valid@" + now.Add(-599*time.Second).Format(time.RFC3339), ActionAllow, DefaultActionID,
			TokenResult{Checked: true, SolveTimestamp: now.Add(-599 * time.Second).Unix()}, TokenResult{}, "bad-ip-captcha,count-all"},
		{"reputation, token too old", []string{rep}, "valid@" + now.Add(-601*time.Second).Format(time.RFC3339), ActionCaptcha, "bad-ip-captcha",
			TokenResult{Checked: true, ResponseCode: 405, SolveTimestamp: now.Add(-601 * time.Second).Unix(), FailureReason: "TOKEN_EXPIRED"}, TokenResult{}, ""},
		{"bot, token past the rule's 60 s", []string{bot}, "valid@" + now.Add(-61*time.Second).Format(time.RFC3339), ActionChallenge, "bot-challenge",
			TokenResult{}, TokenResult{Checked: true, ResponseCode: 202, SolveTimestamp: now.Add(-61 * time.Second).Unix(), FailureReason: "TOKEN_EXPIRED"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &request.View{Method: "GET", Path: "/login", Header: http.Header{}, Labels: tc.labels}
			if tc.token != "" {
				v.Header.Set("X-Test-Token", tc.token)
			}
			var out Verdict
			if err := e.Evaluate(context.Background(), now, v, &out); err != nil {
				t.Fatal(err)
			}
			var nt []string
			for _, m := range out.NonTerminating {
				nt = append(nt, m.RuleID)
			}
			if out.Action != tc.action || out.TerminatingRuleID != tc.term || out.Captcha != tc.captcha || out.Challenge != tc.challenge || strings.Join(nt, ",") != tc.nonTerm {
				t.Errorf("got %s by %s, captcha %+v, challenge %+v, non-terminating %v", out.Action, out.TerminatingRuleID, out.Captcha, out.Challenge, nt)
			}
			for _, l := range tc.labels {
				if !strings.Contains(strings.Join(out.Labels, " "), l) {
					t.Errorf("seeded label %s missing from %v", l, out.Labels)
				}
			}
		})
	}
}

func TestImmunityTimeChecked(t *testing.T) {
	_, err := New([]byte(`[{"Name":"c","Priority":0,"Action":{"Captcha":{}},"CaptchaConfig":{"ImmunityTimeProperty":{"ImmunityTime":5}},
	  "Statement":{"LabelMatchStatement":{"Scope":"LABEL","Key":"x"}}}]`), Options{})
	if err == nil || !strings.Contains(err.Error(), "Rules[0].CaptchaConfig.ImmunityTimeProperty.ImmunityTime") {
		t.Fatalf("err = %v", err)
	}
}

func TestPersonalRateKeysAreHashed(t *testing.T) {
	acl := `[{"Name":"per-user","Priority":0,"Action":{"Block":{}},"Statement":{"RateBasedStatement":{"Limit":10,"AggregateKeyType":"CUSTOM_KEYS",
	  "CustomKeys":[{"Header":{"Name":"x-poolguard-username","TextTransformations":[{"Priority":0,"Type":"NONE"}]}},
	                {"Header":{"Name":"x-poolguard-phone-cc","TextTransformations":[{"Priority":0,"Type":"NONE"}]}}]}}}]`
	store := newFakeStore()
	key := []byte("deployment-key")
	e, err := New([]byte(acl), Options{Store: store, KeyHashKey: key})
	if err != nil {
		t.Fatal(err)
	}
	var out Verdict
	for i := range 11 {
		v := &request.View{Method: "POST", Path: "/", Header: http.Header{"X-Poolguard-Username": {"spoofed"}}, Username: "Alice@Example.com", Phone: "+447700900123", PhoneCC: "+44"}
		if err := e.Evaluate(context.Background(), testStart.Add(time.Duration(i)*time.Second), v, &out); err != nil {
			t.Fatal(err)
		}
	}
	if out.Action != ActionBlock || len(out.RateBased) != 1 {
		t.Fatalf("got %s, %+v", out.Action, out.RateBased)
	}
	lv := out.RateBased[0].LimitValue
	h := newKeyHasher(key)
	want := string(h.appendHash(nil, []byte("alice@example.com"))) + ", +44"
	if lv != want {
		t.Errorf("LimitValue = %q, want %q", lv, want)
	}
	for k := range store.seen {
		if strings.Contains(strings.ToLower(k), "alice") || strings.Contains(k, "spoofed") {
			t.Errorf("the store saw a plain user name: %q", k)
		}
	}
}
