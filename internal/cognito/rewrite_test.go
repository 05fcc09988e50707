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

// TestRewriteLeavesOtherClassesAlone: token-authorised operations go
// upstream untouched, even for a client that propagates the client's
// address.
func TestRewriteLeavesOtherClassesAlone(t *testing.T) {
	rw := &Rewriter{}
	c := client(RefreshGetTokens)
	c.PropagateIP = true
	for _, op := range []string{"GetUser", "UpdateUserAttributes", "ChangePassword"} {
		body := `{"AccessToken":"tok"}`
		plan, err := rw.Rewrite(view(t, op, body), c, time.Time{})
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

// expiryMemory records what Learn remembers and until when.
type expiryMemory struct {
	users   map[[32]byte]string
	expires map[[32]byte]time.Time
}

func (m *expiryMemory) Remember(k [32]byte, u string, _, exp time.Time) {
	m.users[k], m.expires[k] = u, exp
}

func (m *expiryMemory) Recall(k [32]byte, _ time.Time) (string, bool) {
	u, ok := m.users[k]
	return u, ok
}

// TestLearn: a sign-in answer teaches the owner of its refresh token only
// when it has both a refresh token and an ID token naming the user, and
// keeps it for TokenLifetime (30 days when that is not positive).
func TestLearn(t *testing.T) {
	// payload {"cognito:username":"internal-7"}
	const idToken = "eyJhbGciOiJub25lIn0.eyJjb2duaXRvOnVzZXJuYW1lIjoiaW50ZXJuYWwtNyJ9.sig"
	now := time.Unix(1_700_000_000, 0)
	for _, tc := range []struct {
		name string
		life time.Duration
		resp string
		want time.Time // zero: nothing learned
	}{
		{"default lifetime", 0, `{"AuthenticationResult":{"IdToken":"` + idToken + `","RefreshToken":"rt-1"}}`, now.Add(30 * 24 * time.Hour)},
		{"negative lifetime", -time.Hour, `{"AuthenticationResult":{"IdToken":"` + idToken + `","RefreshToken":"rt-1"}}`, now.Add(30 * 24 * time.Hour)},
		{"configured lifetime", time.Hour, `{"AuthenticationResult":{"IdToken":"` + idToken + `","RefreshToken":"rt-1"}}`, now.Add(time.Hour)},
		{"no refresh token", 0, `{"AuthenticationResult":{"IdToken":"` + idToken + `"}}`, time.Time{}},
		{"no ID token", 0, `{"AuthenticationResult":{"RefreshToken":"rt-1"}}`, time.Time{}},
		{"ID token without a user", 0, `{"AuthenticationResult":{"IdToken":"eyJhbGciOiJub25lIn0.e30.sig","RefreshToken":"rt-1"}}`, time.Time{}},
	} {
		mem := &expiryMemory{users: map[[32]byte]string{}, expires: map[[32]byte]time.Time{}}
		(&Rewriter{Memory: mem, TokenLifetime: tc.life}).Learn([]byte(tc.resp), now)
		if tc.want.IsZero() {
			if len(mem.users) != 0 {
				t.Errorf("%s: learned %v", tc.name, mem.users)
			}
			continue
		}
		k := TokenKey("rt-1")
		if mem.users[k] != "internal-7" || !mem.expires[k].Equal(tc.want) {
			t.Errorf("%s: learned %q until %v, want internal-7 until %v", tc.name, mem.users[k], mem.expires[k], tc.want)
		}
	}
}

// TestLearnUserOnlyForRemember: the proxy learns refresh-token owners from
// the sign-in steps (InitiateAuth, RespondToAuthChallenge) of a client
// whose refresh strategy is remember, and only when it has a memory.
func TestLearnUserOnlyForRemember(t *testing.T) {
	mem := &mapMemory{m: map[[32]byte]string{}}
	signIn := `{"ClientId":"` + testClient + `","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"u"}}`
	challenge := `{"ClientId":"` + testClient + `","ChallengeName":"PASSWORD_VERIFIER","ChallengeResponses":{"USERNAME":"u"}}`
	signUp := `{"ClientId":"` + testClient + `","Username":"u","Password":"p"}`
	for _, tc := range []struct {
		name     string
		rw       *Rewriter
		strategy Refresh
		op, body string
		want     bool
	}{
		{"sign-in", &Rewriter{Memory: mem}, RefreshRemember, "InitiateAuth", signIn, true},
		{"challenge", &Rewriter{Memory: mem}, RefreshRemember, "RespondToAuthChallenge", challenge, true},
		{"sign-up", &Rewriter{Memory: mem}, RefreshRemember, "SignUp", signUp, false},
		{"confirm forgot", &Rewriter{Memory: mem}, RefreshRemember, "ConfirmForgotPassword", signUp, false},
		{"no memory", &Rewriter{}, RefreshRemember, "InitiateAuth", signIn, false},
		{"other strategy", &Rewriter{Memory: mem}, RefreshGetTokens, "InitiateAuth", signIn, false},
		{"other strategy, challenge", &Rewriter{Memory: mem}, RefreshRawSecret, "RespondToAuthChallenge", challenge, false},
	} {
		plan, err := tc.rw.Rewrite(view(t, tc.op, tc.body), client(tc.strategy), time.Time{})
		if err != nil || plan.LearnUser != tc.want {
			t.Errorf("%s: LearnUser = %v, err %v; want %v", tc.name, plan.LearnUser, err, tc.want)
		}
	}
}

// TestRewriteWithoutClient: a request that names no configured client, or
// an operation the table does not know, goes upstream as it came.
func TestRewriteWithoutClient(t *testing.T) {
	body := `{"ClientId":"other","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"u"}}`
	plan, err := (&Rewriter{}).Rewrite(view(t, "InitiateAuth", body), nil, time.Time{})
	if err != nil || string(plan.Body) != body || plan.Target != TargetPrefix+"InitiateAuth" {
		t.Errorf("no client: %s %s, err %v", plan.Target, plan.Body, err)
	}
	c := client(RefreshGetTokens)
	c.PropagateIP = true
	v := &request.View{Target: TargetPrefix + "NoSuchOp", Operation: "NoSuchOp", Body: []byte(`{}`), ClientIP: netip.MustParseAddr("203.0.113.9")}
	plan, err = (&Rewriter{}).Rewrite(v, c, time.Time{})
	if err != nil || string(plan.Body) != `{}` {
		t.Errorf("unknown operation: %s, err %v", plan.Body, err)
	}
}

// TestRefreshPropagateIP: a refresh that stays InitiateAuth (raw secret,
// remembered owner) carries the client's address like any sign-in; one
// turned into GetTokensFromRefreshToken carries only that operation's
// fields, which have no UserContextData.
func TestRefreshPropagateIP(t *testing.T) {
	mem := &mapMemory{m: map[[32]byte]string{TokenKey("rt-1"): "internal-7"}}
	for _, tc := range []struct {
		strategy Refresh
		target   string
		ip       string
	}{
		{RefreshRawSecret, "InitiateAuth", "203.0.113.9"},
		{RefreshRemember, "InitiateAuth", "203.0.113.9"},
		{RefreshGetTokens, "GetTokensFromRefreshToken", ""},
	} {
		c := client(tc.strategy)
		c.PropagateIP = true
		plan, err := (&Rewriter{Memory: mem}).Rewrite(view(t, "InitiateAuth", refreshBody), c, time.Time{})
		if err != nil || plan.Target != TargetPrefix+tc.target {
			t.Fatalf("strategy %v: target %s, err %v", tc.strategy, plan.Target, err)
		}
		ip := gjson.GetBytes(plan.Body, "UserContextData.IpAddress")
		if ip.Str != tc.ip || ip.Exists() != (tc.ip != "") {
			t.Errorf("strategy %v: UserContextData.IpAddress %s in %s, want %q", tc.strategy, ip.Raw, plan.Body, tc.ip)
		}
	}
}
