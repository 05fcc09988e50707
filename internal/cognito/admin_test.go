package cognito

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/tidwall/gjson"
)

const testPool = "eu-west-1_AbC123"

func adminClient(refresh Refresh, secret bool) *Client {
	c := client(refresh)
	if !secret {
		c.Secret = nil
	}
	c.UserPoolID = testPool
	c.Admin = &AdminMode{Region: "eu-west-1", ContextHeaders: DefaultContextHeaders}
	return c
}

// adminView is view with the host, path and headers the admin rewrite reads.
func adminView(t *testing.T, op, body string, hdr http.Header) *request.View {
	t.Helper()
	v := view(t, op, body)
	v.Host, v.Path, v.Header = "auth.example.com", "/", hdr
	return v
}

func browserHeaders() http.Header {
	return http.Header{
		"User-Agent":      {"Mozilla/5.0 (test)"},
		"Accept-Language": {"de-DE"},
		"X-Forwarded-For": {"198.51.100.7", "10.0.0.1"},
		"Cookie":          {"not-copied=1"},
	}
}

func TestAdminRewriteTable(t *testing.T) {
	hash := func(u string) string { return SecretHash(testSecret, u, testClient) }
	id := `"ClientId":"` + testClient + `"`
	tests := []struct {
		name, op, body, target string
		want                   map[string]string // gjson path → value ("<absent>" for none)
	}{
		{"password", "InitiateAuth", `{` + id + `,"AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"bob","PASSWORD":"p"}}`, "AdminInitiateAuth",
			map[string]string{"AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "AuthParameters.SECRET_HASH": hash("bob"), "AuthParameters.PASSWORD": "p"}},
		{"srp unchanged", "InitiateAuth", `{` + id + `,"AuthFlow":"USER_SRP_AUTH","AuthParameters":{"USERNAME":"bob","SRP_A":"ab"}}`, "AdminInitiateAuth",
			map[string]string{"AuthFlow": "USER_SRP_AUTH", "AuthParameters.SECRET_HASH": hash("bob"), "AuthParameters.SRP_A": "ab"}},
		{"custom unchanged", "InitiateAuth", `{` + id + `,"AuthFlow":"CUSTOM_AUTH","AuthParameters":{"USERNAME":"bob"},"ClientMetadata":{"k":"v"}}`, "AdminInitiateAuth",
			map[string]string{"AuthFlow": "CUSTOM_AUTH", "AuthParameters.SECRET_HASH": hash("bob"), "ClientMetadata.k": "v"}},
		{"user auth unchanged", "InitiateAuth", `{` + id + `,"AuthFlow":"USER_AUTH","AuthParameters":{"USERNAME":"bob","SECRET_HASH":"forged"},"Session":"s1"}`, "AdminInitiateAuth",
			map[string]string{"AuthFlow": "USER_AUTH", "AuthParameters.SECRET_HASH": hash("bob"), "Session": "s1"}},
		{"new password", "RespondToAuthChallenge", `{` + id + `,"ChallengeName":"NEW_PASSWORD_REQUIRED","Session":"s","ChallengeResponses":{"USERNAME":"carol","NEW_PASSWORD":"n"}}`, "AdminRespondToAuthChallenge",
			map[string]string{"ChallengeName": "NEW_PASSWORD_REQUIRED", "ChallengeResponses.SECRET_HASH": hash("carol"), "Session": "s"}},
		{"client cannot pick the pool or forge context", "InitiateAuth",
			`{` + id + `,"UserPoolId":"us-east-1_Other","ContextData":{"IpAddress":"1.1.1.1"},"AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"bob"},"UserContextData":{"IpAddress":"2.2.2.2","EncodedData":"enc"}}`,
			"AdminInitiateAuth",
			map[string]string{"ContextData.IpAddress": "203.0.113.9", "ContextData.EncodedData": "enc", "UserContextData": "<absent>"}},
	}
	rw := &Rewriter{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := rw.Rewrite(adminView(t, tt.op, tt.body, browserHeaders()), adminClient(RefreshGetTokens, true), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if plan.Target != TargetPrefix+tt.target || plan.SignRegion != "eu-west-1" {
				t.Fatalf("target %s sign %q", plan.Target, plan.SignRegion)
			}
			checkAdminBody(t, plan.Body)
			for p, want := range tt.want {
				r := gjson.GetBytes(plan.Body, p)
				if want == "<absent>" {
					if r.Exists() {
						t.Errorf("%s present in %s", p, plan.Body)
					}
				} else if r.Str != want {
					t.Errorf("%s = %q, want %q", p, r.Str, want)
				}
			}
		})
	}
}

// checkAdminBody checks what every Admin body carries: valid JSON with
// exactly one of each key, the configured pool and client, and the context.
func checkAdminBody(t *testing.T, body []byte) {
	t.Helper()
	if !gjson.ValidBytes(body) || duplicateKey(gjson.ParseBytes(body)) != "" {
		t.Fatalf("bad body %s", body)
	}
	var got struct {
		UserPoolId, ClientId string
		ContextData          struct {
			IpAddress, ServerName, ServerPath string
			HttpHeaders                       []struct{ HeaderName, HeaderValue string }
		}
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	cd := got.ContextData
	if got.UserPoolId != testPool || got.ClientId != testClient || cd.IpAddress != "203.0.113.9" ||
		cd.ServerName != "auth.example.com" || cd.ServerPath != "/" {
		t.Fatalf("body %s", body)
	}
	want := []struct{ HeaderName, HeaderValue string }{
		{"User-Agent", "Mozilla/5.0 (test)"}, {"Accept-Language", "de-DE"}, {"X-Forwarded-For", "198.51.100.7, 10.0.0.1"},
	}
	if !reflect.DeepEqual(cd.HttpHeaders, want) {
		t.Fatalf("HttpHeaders %+v, want %+v", cd.HttpHeaders, want)
	}
}

func TestAdminContextWithoutHeaders(t *testing.T) {
	body := `{"ClientId":"` + testClient + `","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"bob"}}`
	for _, hdr := range []http.Header{nil, {}} {
		plan, err := (&Rewriter{}).Rewrite(adminView(t, "InitiateAuth", body, hdr), adminClient(RefreshGetTokens, false), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if !gjson.ValidBytes(plan.Body) || gjson.GetBytes(plan.Body, "ContextData.HttpHeaders").Raw != "[]" {
			t.Fatalf("body %s", plan.Body)
		}
		if gjson.GetBytes(plan.Body, "AuthParameters.SECRET_HASH").Exists() {
			t.Fatal("hash for a client without a secret")
		}
	}
}

func TestAdminRefresh(t *testing.T) {
	const token = "refresh-token-1"
	mem := &mapMemory{m: map[[32]byte]string{TokenKey(token): "internal-uuid"}}
	body := `{"ClientId":"` + testClient + `","AuthFlow":"REFRESH_TOKEN_AUTH","AuthParameters":{"REFRESH_TOKEN":"%s"}}`
	tests := []struct {
		name    string
		rw      *Rewriter
		client  *Client
		token   string
		target  string
		hash    string // AuthParameters.SECRET_HASH, "" for none
		signed  bool
		context bool
	}{
		{"remembered", &Rewriter{Memory: mem}, adminClient(RefreshRemember, true), token, "AdminInitiateAuth", SecretHash(testSecret, "internal-uuid", testClient), true, true},
		{"get_tokens strategy prefers memory", &Rewriter{Memory: mem}, adminClient(RefreshGetTokens, true), token, "AdminInitiateAuth", SecretHash(testSecret, "internal-uuid", testClient), true, true},
		{"unknown token falls back", &Rewriter{Memory: mem}, adminClient(RefreshRemember, true), "other", "GetTokensFromRefreshToken", "", false, false},
		{"no memory falls back", &Rewriter{}, adminClient(RefreshRemember, true), token, "GetTokensFromRefreshToken", "", false, false},
		{"no secret", &Rewriter{}, adminClient(RefreshGetTokens, false), "other", "AdminInitiateAuth", "", true, true},
		{"raw secret", &Rewriter{}, adminClient(RefreshRawSecret, true), token, "AdminInitiateAuth", string(testSecret), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := adminView(t, "InitiateAuth", strings.Replace(body, "%s", tt.token, 1), browserHeaders())
			plan, err := tt.rw.Rewrite(v, tt.client, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if plan.Target != TargetPrefix+tt.target || (plan.SignRegion != "") != tt.signed {
				t.Fatalf("target %s sign %q", plan.Target, plan.SignRegion)
			}
			if tt.target == "GetTokensFromRefreshToken" {
				if gjson.GetBytes(plan.Body, "ClientSecret").Str != string(testSecret) {
					t.Fatalf("fallback body %s", plan.Body)
				}
				return
			}
			if got := gjson.GetBytes(plan.Body, "AuthParameters.SECRET_HASH").Str; got != tt.hash {
				t.Fatalf("SECRET_HASH %q, want %q", got, tt.hash)
			}
			if gjson.GetBytes(plan.Body, "AuthFlow").Str != "REFRESH_TOKEN_AUTH" || gjson.GetBytes(plan.Body, "ContextData").Exists() != tt.context {
				t.Fatalf("body %s", plan.Body)
			}
			checkAdminBody(t, plan.Body)
		})
	}
}

func TestAdminLearnsUsers(t *testing.T) {
	body := `{"ClientId":"` + testClient + `","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"bob"}}`
	rw := &Rewriter{Memory: &mapMemory{m: map[[32]byte]string{}}}
	for refresh, want := range map[Refresh]bool{RefreshGetTokens: true, RefreshRemember: true, RefreshRawSecret: false} {
		plan, _ := rw.Rewrite(adminView(t, "InitiateAuth", body, nil), adminClient(refresh, true), time.Time{})
		if plan.LearnUser != want {
			t.Errorf("refresh %d: LearnUser %v", refresh, plan.LearnUser)
		}
	}
}

func TestAdminModeLeavesPublicOperations(t *testing.T) {
	c := adminClient(RefreshGetTokens, true)
	c.PropagateIP = true
	body := `{"ClientId":"` + testClient + `","Username":"alice","Password":"p"}`
	plan, err := (&Rewriter{}).Rewrite(adminView(t, "SignUp", body, browserHeaders()), c, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Target != TargetPrefix+"SignUp" || plan.SignRegion != "" ||
		gjson.GetBytes(plan.Body, "UserContextData.IpAddress").Str != "203.0.113.9" ||
		gjson.GetBytes(plan.Body, "SecretHash").Str != SecretHash(testSecret, "alice", testClient) {
		t.Fatalf("plan %+v body %s", plan, plan.Body)
	}
}

func TestAdminKeepsAllowedAuthFlows(t *testing.T) {
	c := adminClient(RefreshGetTokens, true)
	c.AllowedAuthFlows = map[string]bool{"USER_SRP_AUTH": true}
	body := `{"ClientId":"` + testClient + `","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"bob"}}`
	if _, err := (&Rewriter{}).Rewrite(adminView(t, "InitiateAuth", body, nil), c, time.Time{}); err == nil || err.Type != "InvalidParameterException" {
		t.Fatalf("err %v", err)
	}
}

func TestAdminWithoutClientIPOmitsContext(t *testing.T) {
	v := adminView(t, "InitiateAuth", `{"ClientId":"`+testClient+`","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"bob"}}`, nil)
	v.ClientIP = netip.Addr{}
	plan, _ := (&Rewriter{}).Rewrite(v, adminClient(RefreshGetTokens, false), time.Time{})
	if gjson.GetBytes(plan.Body, "ContextData").Exists() || !gjson.ValidBytes(plan.Body) {
		t.Fatalf("body %s", plan.Body)
	}
}

func TestPoolRegion(t *testing.T) {
	for id, want := range map[string]string{"us-east-1_AbC": "us-east-1", "ap-southeast-2_x": "ap-southeast-2", "nounderscore": ""} {
		if got := PoolRegion(id); got != want {
			t.Errorf("PoolRegion(%q) = %q", id, got)
		}
	}
}

// shapeScript prints, for each public/Admin pair, the output members and
// their shapes, and the ContextData members.
const shapeScript = `
import botocore.session, json
m = botocore.session.get_session().get_service_model('cognito-idp')
out = {}
for o in ['InitiateAuth', 'AdminInitiateAuth', 'RespondToAuthChallenge', 'AdminRespondToAuthChallenge']:
    out[o] = {k: v.name for k, v in m.operation_model(o).output_shape.members.items()}
    out[o + '.in'] = sorted(m.operation_model(o).input_shape.members)
out['ContextData'] = sorted(m.shape_for('ContextDataType').members)
out['HttpHeader'] = sorted(m.shape_for('HttpHeader').members)
print(json.dumps(out))
`

// TestAdminShapesMatchServiceModel checks, field by field, that the Admin
// operations answer in the public operations' shape (so relaying their
// responses unchanged is right), that adminFields copies only members the
// Admin operation models, and that ContextData's members are the ones built.
func TestAdminShapesMatchServiceModel(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		skipWithoutModel(t, "python3 not found; cannot read botocore's service model")
	}
	raw, err := exec.Command(py, "-c", shapeScript).Output()
	if err != nil {
		skipWithoutModel(t, "botocore not importable: "+err.Error())
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"InitiateAuth", "RespondToAuthChallenge"} {
		if !reflect.DeepEqual(m[op], m["Admin"+op]) {
			t.Errorf("%s answers %v but Admin%s answers %v", op, m[op], op, m["Admin"+op])
		}
		in := map[string]bool{}
		for _, f := range m["Admin"+op+".in"].([]any) {
			in[f.(string)] = true
		}
		for _, f := range append([]string{"UserPoolId", "ClientId", "ContextData"}, adminFields[op]...) {
			if !in[f] {
				t.Errorf("Admin%s does not model %s", op, f)
			}
		}
	}
	if got := m["ContextData"]; !reflect.DeepEqual(got, []any{"EncodedData", "HttpHeaders", "IpAddress", "ServerName", "ServerPath"}) {
		t.Errorf("ContextData members %v", got)
	}
	if got := m["HttpHeader"]; !reflect.DeepEqual(got, []any{"headerName", "headerValue"}) {
		t.Errorf("HttpHeader members %v", got)
	}
}
