package cognito

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/tidwall/gjson"
)

const testClient = "1example23456789"

var testSecret = []byte("s3cr3t-value")

func view(t *testing.T, op, body string) *request.View {
	t.Helper()
	v := &request.View{Target: TargetPrefix + op, Body: []byte(body), ClientIP: netip.MustParseAddr("203.0.113.9")}
	if err := Parse(v); err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return v
}

func client(refresh Refresh) *Client {
	return &Client{ID: testClient, Secret: func() []byte { return testSecret }, Refresh: refresh}
}

func TestRewriteSecretPlacement(t *testing.T) {
	hash := func(u string) string { return SecretHash(testSecret, u, testClient) }
	tests := []struct {
		op, body, path, want string
	}{
		{"SignUp", `{"ClientId":"` + testClient + `","Username":"alice","Password":"p"}`, "SecretHash", hash("alice")},
		{"ConfirmSignUp", `{"ClientId":"` + testClient + `","Username":"alice","ConfirmationCode":"1"}`, "SecretHash", hash("alice")},
		{"ResendConfirmationCode", `{"ClientId":"` + testClient + `","Username":"alice"}`, "SecretHash", hash("alice")},
		{"ForgotPassword", `{"ClientId":"` + testClient + `","Username":"alice","SecretHash":"forged"}`, "SecretHash", hash("alice")},
		{"ConfirmForgotPassword", `{"ClientId":"` + testClient + `","Username":"alice"}`, "SecretHash", hash("alice")},
		{"InitiateAuth", `{"ClientId":"` + testClient + `","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"bob","PASSWORD":"p"}}`, "AuthParameters.SECRET_HASH", hash("bob")},
		{"InitiateAuth", `{"ClientId":"` + testClient + `","AuthFlow":"USER_SRP_AUTH","AuthParameters":{"USERNAME":"bob","SRP_A":"ab"}}`, "AuthParameters.SECRET_HASH", hash("bob")},
		{"InitiateAuth", `{"ClientId":"` + testClient + `","AuthFlow":"CUSTOM_AUTH","AuthParameters":{"USERNAME":"bob"}}`, "AuthParameters.SECRET_HASH", hash("bob")},
		{"InitiateAuth", `{"ClientId":"` + testClient + `","AuthFlow":"USER_AUTH","AuthParameters":{"USERNAME":"bob","SECRET_HASH":"x"}}`, "AuthParameters.SECRET_HASH", hash("bob")},
		{"RespondToAuthChallenge", `{"ClientId":"` + testClient + `","ChallengeName":"PASSWORD_VERIFIER","ChallengeResponses":{"USERNAME":"sub-1"}}`, "ChallengeResponses.SECRET_HASH", hash("sub-1")},
		{"RespondToAuthChallenge", `{"ClientId":"` + testClient + `","ChallengeName":"NEW_PASSWORD_REQUIRED","ChallengeResponses":{"USERNAME":"carol","NEW_PASSWORD":"n"}}`, "ChallengeResponses.SECRET_HASH", hash("carol")},
		{"GetTokensFromRefreshToken", `{"ClientId":"` + testClient + `","RefreshToken":"r"}`, "ClientSecret", string(testSecret)},
		{"RevokeToken", `{"ClientId":"` + testClient + `","Token":"r","ClientSecret":"wrong"}`, "ClientSecret", string(testSecret)},
	}
	rw := &Rewriter{}
	for _, tt := range tests {
		t.Run(tt.op+"/"+tt.path, func(t *testing.T) {
			plan, err := rw.Rewrite(view(t, tt.op, tt.body), client(RefreshGetTokens), time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if got := gjson.GetBytes(plan.Body, tt.path).Str; got != tt.want {
				t.Fatalf("%s = %q, want %q in %s", tt.path, got, tt.want, plan.Body)
			}
			if plan.Target != TargetPrefix+tt.op {
				t.Fatalf("target changed to %s", plan.Target)
			}
		})
	}
}

func TestRewriteLeavesOtherClassesAlone(t *testing.T) {
	rw := &Rewriter{}
	for _, op := range []string{"GetUser", "UpdateUserAttributes", "ChangePassword"} {
		body := `{"AccessToken":"tok"}`
		plan, err := rw.Rewrite(view(t, op, body), client(RefreshGetTokens), time.Time{})
		if err != nil || string(plan.Body) != body {
			t.Errorf("%s: body %s, err %v", op, plan.Body, err)
		}
	}
}

func TestRewriteNoSecretClient(t *testing.T) {
	body := `{"ClientId":"c","Username":"u"}`
	plan, err := (&Rewriter{}).Rewrite(view(t, "SignUp", body), &Client{ID: "c"}, time.Time{})
	if err != nil || string(plan.Body) != body {
		t.Fatalf("body %s, err %v", plan.Body, err)
	}
}

func TestPropagateIP(t *testing.T) {
	c := client(RefreshGetTokens)
	c.PropagateIP = true
	v := view(t, "InitiateAuth", `{"ClientId":"`+testClient+`","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"u"},"UserContextData":{"EncodedData":"enc","IpAddress":"6.6.6.6"}}`)
	plan, err := (&Rewriter{}).Rewrite(v, c, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if got := gjson.GetBytes(plan.Body, "UserContextData.IpAddress").Str; got != "203.0.113.9" {
		t.Errorf("IpAddress = %q", got)
	}
	if got := gjson.GetBytes(plan.Body, "UserContextData.EncodedData").Str; got != "enc" {
		t.Errorf("EncodedData = %q, want it kept", got)
	}
}

func TestAllowedAuthFlows(t *testing.T) {
	c := client(RefreshGetTokens)
	c.AllowedAuthFlows = map[string]bool{"USER_SRP_AUTH": true}
	_, err := (&Rewriter{}).Rewrite(view(t, "InitiateAuth", `{"ClientId":"x","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"u"}}`), c, time.Time{})
	if err == nil || err.Type != "InvalidParameterException" {
		t.Fatalf("err = %v, want InvalidParameterException", err)
	}
}

const refreshBody = `{"ClientId":"` + testClient + `","AuthFlow":"REFRESH_TOKEN_AUTH","AuthParameters":{"REFRESH_TOKEN":"rt-1","DEVICE_KEY":"dk"},"ClientMetadata":{"a":"b"}}`

func TestRefreshGetTokens(t *testing.T) {
	plan, err := (&Rewriter{}).Rewrite(view(t, "InitiateAuth", refreshBody), client(RefreshGetTokens), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Target != TargetPrefix+"GetTokensFromRefreshToken" {
		t.Fatalf("target %s", plan.Target)
	}
	want := `{"ClientId":"` + testClient + `","RefreshToken":"rt-1","ClientSecret":"s3cr3t-value","DeviceKey":"dk","ClientMetadata":{"a":"b"}}`
	if string(plan.Body) != want {
		t.Fatalf("body %s\nwant %s", plan.Body, want)
	}
}

func TestRefreshRawSecret(t *testing.T) {
	plan, err := (&Rewriter{}).Rewrite(view(t, "InitiateAuth", refreshBody), client(RefreshRawSecret), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if got := gjson.GetBytes(plan.Body, "AuthParameters.SECRET_HASH").Str; got != string(testSecret) {
		t.Fatalf("SECRET_HASH = %q", got)
	}
}

type mapMemory struct {
	mu sync.Mutex
	m  map[[32]byte]string
}

func (m *mapMemory) Remember(k [32]byte, u string, _, _ time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[k] = u
}

func (m *mapMemory) Recall(k [32]byte, _ time.Time) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.m[k]
	return u, ok
}

func TestRefreshRemember(t *testing.T) {
	mem := &mapMemory{m: map[[32]byte]string{}}
	rw := &Rewriter{Memory: mem}
	c := client(RefreshRemember)

	signIn := view(t, "InitiateAuth", `{"ClientId":"`+testClient+`","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"Alice@Example.com"}}`)
	plan, err := rw.Rewrite(signIn, c, time.Time{})
	if err != nil || !plan.LearnUser {
		t.Fatalf("LearnUser = %v, err %v", plan.LearnUser, err)
	}
	// An unknown token falls back to GetTokensFromRefreshToken.
	plan, _ = rw.Rewrite(view(t, "InitiateAuth", refreshBody), c, time.Time{})
	if plan.Target != TargetPrefix+"GetTokensFromRefreshToken" {
		t.Fatalf("unknown token: target %s", plan.Target)
	}
	// payload {"cognito:username":"internal-7"}
	idToken := "eyJhbGciOiJub25lIn0.eyJjb2duaXRvOnVzZXJuYW1lIjoiaW50ZXJuYWwtNyJ9.sig"
	rw.Learn([]byte(`{"AuthenticationResult":{"IdToken":"`+idToken+`","RefreshToken":"rt-1"}}`), time.Time{})
	plan, err = rw.Rewrite(view(t, "InitiateAuth", refreshBody), c, time.Time{})
	if err != nil || plan.Target != TargetPrefix+"InitiateAuth" {
		t.Fatalf("target %s err %v", plan.Target, err)
	}
	if got, want := gjson.GetBytes(plan.Body, "AuthParameters.SECRET_HASH").Str, SecretHash(testSecret, "internal-7", testClient); got != want {
		t.Fatalf("SECRET_HASH = %q, want hash of the internal username %q", got, want)
	}
	for k := range mem.m {
		if string(k[:]) == "rt-1" {
			t.Fatal("the token itself was stored")
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ target, body, want string }{
		{"", `{}`, "UnknownOperationException"},
		{"Foo.Bar", `{}`, "UnknownOperationException"},
		{TargetPrefix + "NoSuchOp", `{}`, "UnknownOperationException"},
		{TargetPrefix + "SignUp", `{"a":`, "SerializationException"},
		{TargetPrefix + "SignUp", `[1]`, "SerializationException"},
		{TargetPrefix + "SignUp", ``, "SerializationException"},
		{TargetPrefix + "SignUp", `{"ClientId":"a","ClientId":"b"}`, "SerializationException"},
		{TargetPrefix + "InitiateAuth", `{"AuthParameters":{"USERNAME":"a","USERNAME":"b"}}`, "SerializationException"},
	}
	for _, tt := range tests {
		err := Parse(&request.View{Target: tt.target, Body: []byte(tt.body)})
		if err == nil || err.Type != tt.want {
			t.Errorf("Parse(%q, %q) = %v, want %s", tt.target, tt.body, err, tt.want)
		}
	}
}

func BenchmarkRewriteInitiateAuth(b *testing.B) {
	body := []byte(`{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"` + testClient + `","AuthParameters":{"USERNAME":"alice@example.com","PASSWORD":"correct horse battery staple"},"ClientMetadata":{}}`)
	c := client(RefreshGetTokens)
	c.PropagateIP = true
	rw := &Rewriter{}
	now := time.Unix(0, 0)
	b.ReportAllocs()
	for b.Loop() {
		v := request.View{Target: TargetPrefix + "InitiateAuth", Body: body, ClientIP: netip.MustParseAddr("203.0.113.9")}
		if err := Parse(&v); err != nil {
			b.Fatal(err)
		}
		if _, err := rw.Rewrite(&v, c, now); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParseRefusesDisagreementsWithCognito(t *testing.T) {
	tests := []struct{ name, op, body, want string }{
		{"duplicate inside an attribute", "SignUp", `{"ClientId":"c","Username":"u","UserAttributes":[{"Name":"phone_number","Value":"+15550100000","Value":"+88299990000"}]}`, "SerializationException"},
		{"duplicate deep down", "SignUp", `{"ClientId":"c","ClientMetadata":{"a":{"b":1,"b":2}}}`, "SerializationException"},
		{"one attribute twice", "SignUp", `{"ClientId":"c","Username":"u","UserAttributes":[{"Name":"phone_number","Value":"+1"},{"Name":"phone_number","Value":"+882"}]}`, "InvalidParameterException"},
	}
	for _, tt := range tests {
		err := Parse(&request.View{Target: TargetPrefix + tt.op, Body: []byte(tt.body)})
		if err == nil || err.Type != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
}

// The user name is read from the field the operation hashes, so a decoy
// top-level Username cannot steer per-user limits.
func TestUsernameFromTheOperationsOwnField(t *testing.T) {
	v := view(t, "InitiateAuth", `{"ClientId":"c","Username":"decoy-1","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"victim"}}`)
	if v.Username != "victim" {
		t.Fatalf("Username = %q, want the hashed AuthParameters.USERNAME", v.Username)
	}
	v = view(t, "RespondToAuthChallenge", `{"ClientId":"c","Username":"decoy","ChallengeResponses":{"USERNAME":"victim"}}`)
	if v.Username != "victim" {
		t.Fatalf("challenge Username = %q", v.Username)
	}
}

// Whatever hash the client sent never goes upstream, even without a user name.
func TestClientHashAlwaysReplaced(t *testing.T) {
	plan, err := (&Rewriter{}).Rewrite(view(t, "SignUp", `{"ClientId":"`+testClient+`","SecretHash":"forged"}`), client(RefreshGetTokens), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if got := gjson.GetBytes(plan.Body, "SecretHash").Str; got == "forged" || got != SecretHash(testSecret, "", testClient) {
		t.Fatalf("SecretHash = %q", got)
	}
}
