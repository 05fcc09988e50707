package cognitotest

import (
	"encoding/json"
	"net/http"
	"testing"
)

const (
	testClient = "client1example"
	testSecret = "s3cret-for-tests"
	openClient = "client2nosecret"
)

// hashVariant is how a table row fills the secret field.
type hashVariant int

const (
	hashRight hashVariant = iota
	hashMissing
	hashWrong
)

func (v hashVariant) String() string { return [...]string{"right", "missing", "wrong"}[v] }

// hashFor returns the field value for v: the right hash of username, none,
// or a hash made with another secret.
func hashFor(v hashVariant, username string) string {
	switch v {
	case hashRight:
		return SecretHash(testSecret, username, testClient)
	case hashWrong:
		return SecretHash("not-the-secret", username, testClient)
	}
	return ""
}

// secretRows builds, for one operation, a request body per variant.
type secretRow struct {
	op   string
	body func(hash string) map[string]any
}

func topLevel(op string) secretRow {
	return secretRow{op, func(hash string) map[string]any {
		b := map[string]any{"ClientId": testClient, "Username": "alice", "Password": "Passw0rd!", "ConfirmationCode": "123456"}
		if hash != "" {
			b["SecretHash"] = hash
		}
		return b
	}}
}

func initiate(flow string) secretRow {
	return secretRow{"InitiateAuth", func(hash string) map[string]any {
		ap := map[string]string{"USERNAME": "alice", "PASSWORD": "Passw0rd!", "SRP_A": "abc"}
		if hash != "" {
			ap["SECRET_HASH"] = hash
		}
		return map[string]any{"ClientId": testClient, "AuthFlow": flow, "AuthParameters": ap}
	}}
}

func respond(challenge string) secretRow {
	return secretRow{"RespondToAuthChallenge", func(hash string) map[string]any {
		cr := map[string]string{"USERNAME": "alice", "NEW_PASSWORD": "N3wPassw0rd!", "SOFTWARE_TOKEN_MFA_CODE": "123456"}
		if hash != "" {
			cr["SECRET_HASH"] = hash
		}
		return map[string]any{"ClientId": testClient, "ChallengeName": challenge, "Session": "s", "ChallengeResponses": cr}
	}}
}

func TestStrictHopSecretHashRows(t *testing.T) {
	rows := []secretRow{
		topLevel("SignUp"),
		topLevel("ConfirmSignUp"),
		topLevel("ResendConfirmationCode"),
		topLevel("ForgotPassword"),
		topLevel("ConfirmForgotPassword"),
		initiate("USER_PASSWORD_AUTH"),
		initiate("USER_SRP_AUTH"),
		initiate("CUSTOM_AUTH"),
		initiate("USER_AUTH"),
		respond("NEW_PASSWORD_REQUIRED"),
		respond("PASSWORD_VERIFIER"),
		respond("SOFTWARE_TOKEN_MFA"),
		respond("CUSTOM_CHALLENGE"),
	}
	fake, hop := startFakeHop(t, map[string]string{testClient: testSecret})
	for _, row := range rows {
		for _, v := range []hashVariant{hashRight, hashMissing, hashWrong} {
			body := row.body(hashFor(v, "alice"))
			name := row.op
			if f, ok := body["AuthFlow"].(string); ok {
				name += "/" + f
			}
			if c, ok := body["ChallengeName"].(string); ok {
				name += "/" + c
			}
			t.Run(name+"/"+v.String(), func(t *testing.T) {
				before := fake.count()
				got := send(t, hop.URL, row.op, body)
				switch v {
				case hashRight:
					if got.status != http.StatusOK {
						t.Fatalf("status %d: %s", got.status, got.body)
					}
					wantReached := row.op != "ResendConfirmationCode" // answered by the hop
					if reached := fake.count() > before; reached != wantReached {
						t.Fatalf("upstream reached = %v, want %v", reached, wantReached)
					}
				case hashMissing:
					wantRefusal(t, got, http.StatusBadRequest, NotAuthorized, SecretNotReceivedMessage(testClient))
				case hashWrong:
					wantRefusal(t, got, http.StatusBadRequest, NotAuthorized, SecretHashMismatchMessage(testClient))
				}
				if v != hashRight && fake.count() != before {
					t.Fatal("a refused call reached the upstream")
				}
			})
		}
	}
}

func TestStrictHopRelaysUntouched(t *testing.T) {
	fake, hop := startFakeHop(t, map[string]string{testClient: testSecret})
	tests := []struct {
		name string
		op   string
		body string
	}{
		{"client without secret needs no hash", "SignUp", `{"ClientId":"` + openClient + `","Username":"bob","Password":"x"}`},
		{"unlisted client, hash ignored", "ForgotPassword", `{"ClientId":"` + openClient + `","Username":"bob","SecretHash":"junk"}`},
		{"token-authorised op", "GetUser", `{"AccessToken":"tok"}`},
		{"admin op", "AdminInitiateAuth", `{"ClientId":"` + testClient + `","UserPoolId":"p","AuthFlow":"ADMIN_USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"a","PASSWORD":"b"}}`},
		{"unknown flow", "InitiateAuth", `{"ClientId":"` + testClient + `","AuthFlow":"ADMIN_NO_SRP_AUTH"}`},
		{"malformed body of an unchecked op", "GetUser", `{not json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := send(t, hop.URL, tt.op, tt.body)
			if got.status != http.StatusOK {
				t.Fatalf("status %d: %s", got.status, got.body)
			}
			last := fake.last()
			if last.op != tt.op || string(last.body) != tt.body {
				t.Fatalf("upstream got %s %s, want %s %s", last.op, last.body, tt.op, tt.body)
			}
		})
	}
}

func TestStrictHopRefusesWithoutUpstream(t *testing.T) {
	fake, hop := startFakeHop(t, map[string]string{testClient: testSecret})
	tests := []struct {
		name, op, body, typ string
	}{
		{"missing X-Amz-Target", "", `{"ClientId":"` + testClient + `"}`, UnknownOperation},
		{"malformed JSON", "SignUp", `{"ClientId":`, SerializationError},
		{"AuthParameters not strings", "InitiateAuth", `{"ClientId":"c","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":1}}`, SerializationError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := send(t, hop.URL, tt.op, tt.body)
			if typ, _ := got.errorType(); got.status != http.StatusBadRequest || typ != tt.typ {
				t.Fatalf("got %d %s, want 400 %s", got.status, got.body, tt.typ)
			}
			if fake.count() != 0 {
				t.Fatal("reached the upstream")
			}
		})
	}
}

func TestStrictHopRecordsRequests(t *testing.T) {
	_, hop := startFakeHop(t, map[string]string{testClient: testSecret})
	send(t, hop.URL, "GetUser", `{"AccessToken":"t"}`)
	send(t, hop.URL, "SignUp", `{"ClientId":"`+testClient+`","Username":"u"}`)
	send(t, hop.URL, "", `{}`)

	got := hop.Requests()
	want := []struct{ op, refused string }{{"GetUser", ""}, {"SignUp", NotAuthorized}, {"", UnknownOperation}}
	if len(got) != len(want) {
		t.Fatalf("recorded %d requests, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Operation != w.op || got[i].Refused != w.refused {
			t.Errorf("request %d = %q refused %q, want %q refused %q", i, got[i].Operation, got[i].Refused, w.op, w.refused)
		}
	}
	if got[0].Header.Get("X-Amz-Target") != TargetPrefix+"GetUser" || string(got[0].Body) != `{"AccessToken":"t"}` {
		t.Errorf("request 0 recorded as %v %s", got[0].Header, got[0].Body)
	}
	got[0].Body[0] = 'X' // a copy: the hop's record must not change
	if again := hop.Requests(); again[0].Body[0] != '{' {
		t.Error("Requests returned the hop's own slice")
	}
	hop.Reset()
	if n := len(hop.Requests()); n != 0 {
		t.Fatalf("after Reset: %d requests", n)
	}
}

func TestStrictHopSetSecret(t *testing.T) {
	_, hop := startFakeHop(t, nil)
	body := `{"ClientId":"` + testClient + `","Username":"alice"}`
	if got := send(t, hop.URL, "SignUp", body); got.status != http.StatusOK {
		t.Fatalf("before SetSecret: %d %s", got.status, got.body)
	}
	hop.SetSecret(testClient, testSecret)
	wantRefusal(t, send(t, hop.URL, "SignUp", body), http.StatusBadRequest, NotAuthorized, SecretNotReceivedMessage(testClient))
	hop.SetSecret(testClient, "")
	if got := send(t, hop.URL, "SignUp", body); got.status != http.StatusOK {
		t.Fatalf("after removing the secret: %d %s", got.status, got.body)
	}
}

// decode unmarshals an answer body, failing the test on error.
func decode(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
}
