package signals_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/proxy"
	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
)

// sim is the proxy, built from a config file as the binary builds it, in
// front of a fake Cognito that answers every call with 200 {}.
type sim struct {
	url   string
	store *ratelimit.Memory
	st    *proxy.State
	seen  int // upstream calls
}

func startSim(t *testing.T, presets string) *sim {
	t.Helper()
	s := &sim{store: ratelimit.NewMemory()}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.seen++
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(up.Close)
	dir := t.TempDir()
	yaml := fmt.Sprintf(`listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream: {region: us-east-1, endpoint: %s}
trusted_proxies: [127.0.0.1/32]
unknown_clients: pass
waf:
  name: sim
  presets:
%s
signals:
  key_hash_secret: simulation-deployment-key
`, up.URL, presets)
	cfg := proxytest.Load(t, dir, yaml)
	srv, h := proxytest.Serve(t, cfg, server.Deps{Store: s.store}, nil, nil)
	st := h.State()
	s.url, s.st = srv.URL, st
	return s
}

// call sends op from ip and returns the status.
func (s *sim) call(t *testing.T, ip, op, body string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", s.url+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// overKeys returns every over-limit key the rate store lists.
func (s *sim) overKeys() []string {
	var out []string
	for _, r := range s.st.WAF.RateRules() {
		for _, k := range s.store.OverKeys(r.ID, time.Now()) {
			out = append(out, fmt.Sprintf("%s=%q", r.Name, k.Key))
		}
	}
	return out
}

// TestCredentialStuffingSimulation: 1,000 addresses each try one password
// on one account (every address far under the per-IP sign-in limit) while
// 100 real users sign in (SRP: InitiateAuth then RespondToAuthChallenge).
// The per-username rule stops the attack after its limit; every real
// sign-in goes through.
func TestCredentialStuffingSimulation(t *testing.T) {
	s := startSim(t, `    - {name: cognito-categories, params: {SignInRateLimit: 100}}
    - {name: cognito-credential-stuffing, params: {UsernameRateLimit: 20}}`)
	start := time.Now()
	attackOK, attackBlocked, legitFailed := 0, 0, 0
	for i := range 1000 {
		ip := fmt.Sprintf("198.18.%d.%d", i/250, 1+i%250)
		body := fmt.Sprintf(`{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"sim-client","AuthParameters":{"USERNAME":"%s","PASSWORD":"guess-%d"}}`,
			[]string{"victim@example.com", "Victim@Example.com", "VICTIM@example.com"}[i%3], i)
		switch st := s.call(t, ip, "InitiateAuth", body); st {
		case 200:
			attackOK++
		case 403:
			attackBlocked++
		default:
			t.Fatalf("attack request %d: status %d", i, st)
		}
		if i%10 == 9 { // a real user signs in
			u := i / 10
			ip := fmt.Sprintf("203.0.113.%d", 1+u)
			user := fmt.Sprintf("user%03d@example.com", u)
			if s.call(t, ip, "InitiateAuth", `{"AuthFlow":"USER_SRP_AUTH","ClientId":"sim-client","AuthParameters":{"USERNAME":"`+user+`","SRP_A":"abc"}}`) != 200 {
				legitFailed++
			}
			if s.call(t, ip, "RespondToAuthChallenge", `{"ChallengeName":"PASSWORD_VERIFIER","ClientId":"sim-client","ChallengeResponses":{"USERNAME":"`+user+`","PASSWORD_CLAIM_SIGNATURE":"x"}}`) != 200 {
				legitFailed++
			}
		}
	}
	t.Logf("1,200 requests in %v: attack %d allowed, %d blocked; legitimate failures %d", time.Since(start), attackOK, attackBlocked, legitFailed)
	if attackOK != 20 || attackBlocked != 980 {
		t.Errorf("attack: %d allowed, %d blocked; want 20, 980", attackOK, attackBlocked)
	}
	if legitFailed != 0 {
		t.Errorf("%d legitimate requests failed", legitFailed)
	}
	keys := s.overKeys()
	if len(keys) == 0 {
		t.Fatal("the store lists no over-limit key")
	}
	for _, k := range keys {
		if strings.Contains(strings.ToLower(k), "victim") {
			t.Errorf("the rate store holds the plain user name: %s", k)
		}
	}
}

// TestSMSPumpingSimulation: sign-ups to 500 numbers in one country calling
// code, from 500 addresses, are cut at the per-code limit; 50 real
// sign-ups with other codes meanwhile all succeed.
func TestSMSPumpingSimulation(t *testing.T) {
	s := startSim(t, `    - {name: cognito-sms-pumping, params: {CountryCodeRateLimit: 100, PhoneNumberRateLimit: 10}}`)
	signUp := func(user, phone string) string {
		return `{"ClientId":"sim-client","Username":"` + user + `","Password":"Passw0rd!","UserAttributes":[{"Name":"email","Value":"` + user + `"},{"Name":"phone_number","Value":"` + phone + `"}]}`
	}
	pumpOK, pumpBlocked, legitFailed := 0, 0, 0
	for i := range 500 {
		ip := fmt.Sprintf("198.19.%d.%d", i/250, 1+i%250)
		switch st := s.call(t, ip, "SignUp", signUp(fmt.Sprintf("bot%d@pump.example", i), fmt.Sprintf("+88216%06d", i))); st {
		case 200:
			pumpOK++
		case 403:
			pumpBlocked++
		default:
			t.Fatalf("pump request %d: status %d", i, st)
		}
		if i%10 == 0 {
			u := i / 10
			phone := []string{"+1 (415) 555-%04d", "+44 7400 1%05d", "+351 91%07d"}[u%3]
			if s.call(t, fmt.Sprintf("203.0.113.%d", 1+u), "SignUp", signUp(fmt.Sprintf("real%d@example.com", u), fmt.Sprintf(phone, u))) != 200 {
				legitFailed++
			}
		}
	}
	t.Logf("pumping: %d allowed, %d blocked; legitimate failures %d", pumpOK, pumpBlocked, legitFailed)
	if pumpOK != 100 || pumpBlocked != 400 {
		t.Errorf("pumping: %d allowed, %d blocked; want 100, 400", pumpOK, pumpBlocked)
	}
	if legitFailed != 0 {
		t.Errorf("%d legitimate sign-ups failed", legitFailed)
	}
	for _, k := range s.overKeys() {
		if strings.Contains(k, "+88216") { // a whole number; the code alone (+882) is not personal
			t.Errorf("the rate store holds a plain phone number: %s", k)
		}
	}
}

// TestSMSPresetRegionsAndTypes: under the SMS preset with AllowedRegions
// [US, GB], a Jamaican number (+1 876, the same calling code as the US)
// and premium-rate numbers are refused, whether named as an attribute or
// as a phone-number user name in any encoding, while US and UK mobiles
// pass; an invalid number is refused with InvalidParameterException and
// never reaches the upstream.
func TestSMSPresetRegionsAndTypes(t *testing.T) {
	s := startSim(t, `    - {name: cognito-sms-pumping, params: {AllowedRegions: [US, GB]}}`)
	attr := func(phone string) string {
		return `{"ClientId":"sim-client","Username":"u@example.com","Password":"Passw0rd!","UserAttributes":[{"Name":"phone_number","Value":"` + phone + `"}]}`
	}
	user := func(name string) string {
		return `{"ClientId":"sim-client","Username":"` + name + `","Password":"Passw0rd!"}`
	}
	for i, tc := range []struct {
		name, op, body string
		status         int
	}{
		{"US number", "SignUp", attr("+14155552671"), 200},
		{"UK mobile", "SignUp", attr("+447400123456"), 200},
		{"Jamaican mobile", "SignUp", attr("+18762101234"), 403},
		{"Jamaican number as the user name", "SignUp", user("+18762101234"), 403},
		{"Jamaican number as the user name, 00 prefix", "SignUp", user("00 1 876 210 1234"), 403},
		{"Jamaican number as the user name, full-width", "SignUp", user("＋１８７６２１０１２３４"), 403},
		{"Jamaican number as the user name, JSON escapes", "SignUp", user(`\u002b18762101234`), 403},
		{"Jamaica's premium-rate range (+1 900, a US region number)", "SignUp", attr("+19002123456"), 403},
		{"UK premium rate", "SignUp", attr("+449012345678"), 403},
		{"+882 international network", "SignUp", user("+88216123456"), 403},
		{"ForgotPassword to a Jamaican number", "ForgotPassword", user("+18762101234"), 403},
		{"ResendConfirmationCode to a Jamaican number", "ResendConfirmationCode", user("+1-876-210-1234"), 403},
		{"ForgotPassword by e-mail (stored number)", "ForgotPassword", user("u@example.com"), 200},
		{"invalid number", "SignUp", attr("+15551234567"), 400},
		{"invalid phone user name", "SignUp", user("+1876210"), 400},
	} {
		before := s.seen
		got := s.call(t, fmt.Sprintf("203.0.113.%d", 1+i), tc.op, tc.body)
		if got != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.status)
		}
		if reached := s.seen > before; reached != (tc.status == 200) {
			t.Errorf("%s: reached the upstream: %v", tc.name, reached)
		}
	}
}

// TestSMSPresetPerNumberAcrossEncodings: the per-number limit counts one
// number however it is written and whichever operation names it.
func TestSMSPresetPerNumberAcrossEncodings(t *testing.T) {
	s := startSim(t, `    - {name: cognito-sms-pumping, params: {PhoneNumberRateLimit: 10}}`)
	forms := []string{"+14155552671", "+1 415 555 2671", "0014155552671", "＋１４１５５５５２６７１", "+1 (415) 555-2671"}
	ops := []string{"SignUp", "ForgotPassword", "ResendConfirmationCode"}
	ok := 0
	for i := range 15 {
		body := `{"ClientId":"sim-client","Username":"` + forms[i%len(forms)] + `","Password":"Passw0rd!"}`
		if s.call(t, fmt.Sprintf("198.51.100.%d", 1+i), ops[i%len(ops)], body) == 200 {
			ok++
		}
	}
	if ok != 10 {
		t.Errorf("%d requests to one number passed, want 10", ok)
	}
	for _, k := range s.overKeys() {
		if strings.Contains(k, "4155552671") {
			t.Errorf("the rate store holds a plain phone number: %s", k)
		}
	}
}

// TestSMSPresetPerSubject: GetUserAttributeVerificationCode sends one SMS
// per call to the user's number; it is limited per access-token subject,
// as are UpdateUserAttributes calls that set phone_number, whatever the
// number.
func TestSMSPresetPerSubject(t *testing.T) {
	s := startSim(t, `    - {name: cognito-sms-pumping, params: {SubjectRateLimit: 10}}`)
	enc := base64.RawURLEncoding.EncodeToString
	token := enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(`{"sub":"victim-sub","client_id":"sim-client"}`)) + ".x"
	ok := 0
	for i := range 14 {
		body := `{"AccessToken":"` + token + `","AttributeName":"phone_number"}`
		op := "GetUserAttributeVerificationCode"
		if i%2 == 1 {
			op = "UpdateUserAttributes"
			body = fmt.Sprintf(`{"AccessToken":"%s","UserAttributes":[{"Name":"phone_number","Value":"+1415555%04d"}]}`, token, 2600+i)
		}
		if s.call(t, fmt.Sprintf("198.51.100.%d", 1+i), op, body) == 200 {
			ok++
		}
	}
	if ok != 10 {
		t.Errorf("%d SMS-sending calls for one subject passed, want 10", ok)
	}
	other := `{"AccessToken":"` + token + `","AttributeName":"email"}`
	if st := s.call(t, "198.51.100.200", "GetUserAttributeVerificationCode", other); st != 200 {
		t.Errorf("an e-mail verification code: status %d, want 200", st)
	}
}
