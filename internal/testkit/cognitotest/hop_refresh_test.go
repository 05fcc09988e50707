package cognitotest

import (
	"encoding/json"
	"net/http"
	"testing"
)

// signInThroughHop signs name in through the hop so that it learns the
// refresh token, and returns that token.
func signInThroughHop(t *testing.T, hop *StrictHop, name string) string {
	t.Helper()
	got := send(t, hop.URL, "InitiateAuth", map[string]any{
		"ClientId": testClient, "AuthFlow": "USER_PASSWORD_AUTH",
		"AuthParameters": map[string]string{"USERNAME": name, "PASSWORD": "p", "SECRET_HASH": SecretHash(testSecret, name, testClient)},
	})
	if got.status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", got.status, got.body)
	}
	var out struct{ AuthenticationResult struct{ RefreshToken string } }
	decode(t, got.body, &out)
	return out.AuthenticationResult.RefreshToken
}

func refreshBody(flow, token, hash string) map[string]any {
	ap := map[string]string{"REFRESH_TOKEN": token}
	if hash != "" {
		ap["SECRET_HASH"] = hash
	}
	return map[string]any{"ClientId": testClient, "AuthFlow": flow, "AuthParameters": ap}
}

func TestStrictHopRefreshTokenAuth(t *testing.T) {
	fake, hop := startFakeHop(t, map[string]string{testClient: testSecret})
	// The fake's internal username for "alice@example.com" is "sub-alice".
	token := signInThroughHop(t, hop, "alice@example.com")
	plain := signInThroughHop(t, hop, "bob")

	tests := []struct {
		name        string
		flow, token string
		hash        string
		wantMsg     string // empty: accepted
		upstreamFor string // name moto's hash must be over, when accepted
	}{
		{"hash over cognito:username", "REFRESH_TOKEN_AUTH", token, SecretHash(testSecret, "sub-alice", testClient), "", "alice@example.com"},
		{"REFRESH_TOKEN alias", "REFRESH_TOKEN", token, SecretHash(testSecret, "sub-alice", testClient), "", "alice@example.com"},
		{"plain username", "REFRESH_TOKEN_AUTH", plain, SecretHash(testSecret, "bob", testClient), "", "bob"},
		{"hash over the sign-in name", "REFRESH_TOKEN_AUTH", token, SecretHash(testSecret, "alice@example.com", testClient), SecretHashMismatchMessage(testClient), ""},
		{"missing hash", "REFRESH_TOKEN_AUTH", token, "", SecretNotReceivedMessage(testClient), ""},
		{"wrong secret", "REFRESH_TOKEN_AUTH", token, SecretHash("other", "sub-alice", testClient), SecretHashMismatchMessage(testClient), ""},
		{"unknown token", "REFRESH_TOKEN_AUTH", "never-seen", SecretHash(testSecret, "", testClient), SecretHashMismatchMessage(testClient), ""},
		{"raw secret as hash", "REFRESH_TOKEN_AUTH", token, testSecret, SecretHashMismatchMessage(testClient), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fake.count()
			got := send(t, hop.URL, "InitiateAuth", refreshBody(tt.flow, tt.token, tt.hash))
			if tt.wantMsg != "" {
				wantRefusal(t, got, http.StatusBadRequest, NotAuthorized, tt.wantMsg)
				if fake.count() != before {
					t.Fatal("a refused call reached the upstream")
				}
				return
			}
			if got.status != http.StatusOK {
				t.Fatalf("status %d: %s", got.status, got.body)
			}
			var up call
			decode(t, fake.last().body, &up)
			if want := SecretHash(testSecret, tt.upstreamFor, testClient); up.AuthParameters["SECRET_HASH"] != want {
				t.Errorf("upstream SECRET_HASH not over %q", tt.upstreamFor)
			}
			if up.AuthParameters["REFRESH_TOKEN"] != tt.token || up.AuthFlow != tt.flow {
				t.Errorf("upstream got %s", fake.last().body)
			}
		})
	}
}

func TestStrictHopLearnsFromChallengeAnswers(t *testing.T) {
	_, hop := startFakeHop(t, map[string]string{testClient: testSecret})
	got := send(t, hop.URL, "RespondToAuthChallenge", map[string]any{
		"ClientId": testClient, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "s",
		"ChallengeResponses": map[string]string{"USERNAME": "carol@example.com", "NEW_PASSWORD": "x", "SECRET_HASH": SecretHash(testSecret, "carol@example.com", testClient)},
	})
	if got.status != http.StatusOK {
		t.Fatalf("challenge: %d %s", got.status, got.body)
	}
	refresh := send(t, hop.URL, "InitiateAuth", refreshBody("REFRESH_TOKEN_AUTH", "rt-carol@example.com", SecretHash(testSecret, "sub-carol", testClient)))
	if refresh.status != http.StatusOK {
		t.Fatalf("refresh: %d %s", refresh.status, refresh.body)
	}
}

func getTokensBody(token string, secret *string) map[string]any {
	b := map[string]any{"ClientId": testClient, "RefreshToken": token}
	if secret != nil {
		b["ClientSecret"] = *secret
	}
	return b
}

func TestStrictHopGetTokensFromRefreshToken(t *testing.T) {
	fake, hop := startFakeHop(t, map[string]string{testClient: testSecret})
	token := signInThroughHop(t, hop, "alice@example.com")
	right, wrong, empty := testSecret, "not-it", ""

	tests := []struct {
		name    string
		secret  *string
		wantMsg string
	}{
		{"right secret", &right, ""},
		{"missing secret", nil, SecretNotReceivedMessage(testClient)},
		{"empty secret", &empty, SecretNotReceivedMessage(testClient)},
		{"wrong secret", &wrong, SecretHashMismatchMessage(testClient)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fake.count()
			got := send(t, hop.URL, "GetTokensFromRefreshToken", getTokensBody(token, tt.secret))
			if tt.wantMsg != "" {
				wantRefusal(t, got, http.StatusBadRequest, NotAuthorized, tt.wantMsg)
				if fake.count() != before {
					t.Fatal("a refused call reached the upstream")
				}
				return
			}
			if got.status != http.StatusOK {
				t.Fatalf("status %d: %s", got.status, got.body)
			}
			var out map[string]json.RawMessage
			decode(t, got.body, &out)
			if len(out) != 1 || out["AuthenticationResult"] == nil {
				t.Fatalf("answer not in GetTokensFromRefreshToken's shape: %s", got.body)
			}
			last := fake.last()
			var up call
			decode(t, last.body, &up)
			if last.op != "InitiateAuth" || up.AuthFlow != "REFRESH_TOKEN_AUTH" || up.AuthParameters["REFRESH_TOKEN"] != token {
				t.Fatalf("upstream got %s %s", last.op, last.body)
			}
			if up.AuthParameters["SECRET_HASH"] != SecretHash(testSecret, "alice@example.com", testClient) {
				t.Error("upstream SECRET_HASH not over the sign-in name")
			}
		})
	}
}

func TestStrictHopRevokeToken(t *testing.T) {
	fake, hop := startFakeHop(t, map[string]string{testClient: testSecret})
	token := signInThroughHop(t, hop, "bob")
	right, wrong := testSecret, "nope"

	for _, tt := range []struct {
		name   string
		secret *string
	}{{"missing secret", nil}, {"wrong secret", &wrong}} {
		t.Run(tt.name, func(t *testing.T) {
			b := map[string]any{"ClientId": testClient, "Token": token}
			if tt.secret != nil {
				b["ClientSecret"] = *tt.secret
			}
			wantRefusal(t, send(t, hop.URL, "RevokeToken", b), http.StatusBadRequest, Unauthorized, RevokeTokenSecretMessage)
		})
	}
	// Not yet revoked: refresh works.
	if got := send(t, hop.URL, "GetTokensFromRefreshToken", getTokensBody(token, &right)); got.status != http.StatusOK {
		t.Fatalf("refresh before revoke: %d %s", got.status, got.body)
	}
	before := fake.count()
	got := send(t, hop.URL, "RevokeToken", map[string]any{"ClientId": testClient, "Token": token, "ClientSecret": right})
	if got.status != http.StatusOK || string(got.body) != "{}" {
		t.Fatalf("revoke: %d %s", got.status, got.body)
	}
	if fake.count() != before {
		t.Error("RevokeToken reached the upstream")
	}
	wantRefusal(t, send(t, hop.URL, "GetTokensFromRefreshToken", getTokensBody(token, &right)), http.StatusBadRequest, NotAuthorized, RevokedRefreshTokenMessage)
	wantRefusal(t, send(t, hop.URL, "InitiateAuth", refreshBody("REFRESH_TOKEN_AUTH", token, SecretHash(testSecret, "bob", testClient))),
		http.StatusBadRequest, NotAuthorized, RevokedRefreshTokenMessage)
}

func TestCognitoUsername(t *testing.T) {
	tests := []struct {
		token, want string
		ok          bool
	}{
		{fakeIDToken("alice"), "alice", true},
		{fakeIDToken(""), "", false},
		{"a.b", "", false},
		{"a.!!!.c", "", false},
		{"a." + "bm90IGpzb24" + ".c", "", false},
	}
	for _, tt := range tests {
		got, err := cognitoUsername(tt.token)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("cognitoUsername(%q) = %q, %v; want %q ok=%v", tt.token, got, err, tt.want, tt.ok)
		}
	}
}

func TestSecretHash(t *testing.T) {
	// Reference value computed with Python's hmac/hashlib, the way AWS's
	// documentation shows.
	if got, want := SecretHash("secret", "user", "client"), "wvW87lzZoI+qQCVGmWVBJLlucdJ65huAVP1z+0MgA6E="; got != want {
		t.Fatalf("SecretHash = %q, want %q", got, want)
	}
}
