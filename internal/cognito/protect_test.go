package cognito

import (
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/tidwall/gjson"
)

// fakeToken returns an unsigned JWT with the given claims JSON.
func fakeToken(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(claims)) + ".sig"
}

func TestCheckRequest(t *testing.T) {
	strict := &Client{ID: "app", UserPoolID: "us-east-1_A", Protection: Protection{
		Attributes:          []string{"custom:tenant", "email"},
		ForbiddenOperations: map[string]bool{"DeleteUser": true},
	}}
	wild := &Client{ID: "wild", UserPoolID: "us-east-1_B", Protection: Protection{Attributes: []string{"custom:*"}}}
	open := &Client{ID: "open", UserPoolID: "us-east-1_A"}
	clients := map[string]*Client{"app": strict, "wild": wild, "open": open}
	tokA := fakeToken(`{"client_id":"app","iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_A"}`)
	tokOpen := fakeToken(`{"client_id":"open","iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_A"}`)
	tokOtherA := fakeToken(`{"client_id":"gone","iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_A"}`)
	tokOtherB := fakeToken(`{"client_id":"gone","iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_B"}`)
	tests := []struct {
		name, op, body string
		want           string // error type, "" for allowed
	}{
		{"signup sets tenant", "SignUp", `{"ClientId":"app","Username":"u","UserAttributes":[{"Name":"custom:tenant","Value":"b"}]}`, "NotAuthorizedException"},
		{"signup case-folded", "SignUp", `{"ClientId":"app","Username":"u","UserAttributes":[{"Name":"Custom:Tenant","Value":"b"}]}`, "NotAuthorizedException"},
		{"signup escaped name", "SignUp", `{"ClientId":"app","Username":"u","UserAttributes":[{"Name":"custom:tenan\u0074","Value":"b"}]}`, "NotAuthorizedException"},
		{"signup duplicate Name", "SignUp", `{"ClientId":"app","Username":"u","UserAttributes":[{"Name":"name","Name":"custom:tenant","Value":"b"}]}`, "SerializationException"},
		{"signup other attribute", "SignUp", `{"ClientId":"app","Username":"u","UserAttributes":[{"Name":"name","Value":"b"}]}`, ""},
		{"signup open client", "SignUp", `{"ClientId":"open","Username":"u","UserAttributes":[{"Name":"custom:tenant","Value":"b"}]}`, ""},
		{"signup unknown client", "SignUp", `{"ClientId":"nope","Username":"u","UserAttributes":[{"Name":"custom:tenant","Value":"b"}]}`, ""},
		{"signup wildcard", "SignUp", `{"ClientId":"wild","Username":"u","UserAttributes":[{"Name":"custom:role","Value":"admin"}]}`, "NotAuthorizedException"},
		// The wildcard's prefix matches case-insensitively, as every name does.
		{"signup wildcard case-folded", "SignUp", `{"ClientId":"wild","Username":"u","UserAttributes":[{"Name":"Custom:Role","Value":"admin"}]}`, "NotAuthorizedException"},
		{"signup wildcard upper case", "SignUp", `{"ClientId":"wild","Username":"u","UserAttributes":[{"Name":"CUSTOM:ROLE","Value":"admin"}]}`, "NotAuthorizedException"},
		{"signup wildcard prefix only", "SignUp", `{"ClientId":"wild","Username":"u","UserAttributes":[{"Name":"custom:","Value":"admin"}]}`, "NotAuthorizedException"},
		{"signup wildcard shorter name", "SignUp", `{"ClientId":"wild","Username":"u","UserAttributes":[{"Name":"custom","Value":"admin"}]}`, ""},
		{"signup wildcard other name", "SignUp", `{"ClientId":"wild","Username":"u","UserAttributes":[{"Name":"name","Value":"admin"}]}`, ""},
		{"delete wildcard case-folded", "DeleteUserAttributes", `{"AccessToken":"` + tokOtherB + `","UserAttributeNames":["cUsToM:role"]}`, "NotAuthorizedException"},
		{"new password sets email", "RespondToAuthChallenge", `{"ClientId":"app","ChallengeName":"NEW_PASSWORD_REQUIRED","ChallengeResponses":{"USERNAME":"u","NEW_PASSWORD":"p","userAttributes.email":"v@x"}}`, "NotAuthorizedException"},
		{"new password plain", "RespondToAuthChallenge", `{"ClientId":"app","ChallengeName":"NEW_PASSWORD_REQUIRED","ChallengeResponses":{"USERNAME":"u","NEW_PASSWORD":"p","userAttributes.name":"n"}}`, ""},
		{"update tenant with app token", "UpdateUserAttributes", `{"AccessToken":"` + tokA + `","UserAttributes":[{"Name":"custom:tenant","Value":"b"}]}`, "NotAuthorizedException"},
		{"update tenant with open token", "UpdateUserAttributes", `{"AccessToken":"` + tokOpen + `","UserAttributes":[{"Name":"custom:tenant","Value":"b"}]}`, ""},
		{"update tenant unknown client, pool A", "UpdateUserAttributes", `{"AccessToken":"` + tokOtherA + `","UserAttributes":[{"Name":"custom:tenant","Value":"b"}]}`, "NotAuthorizedException"},
		{"update role unknown client, pool A", "UpdateUserAttributes", `{"AccessToken":"` + tokOtherA + `","UserAttributes":[{"Name":"custom:role","Value":"b"}]}`, ""},
		{"update role unknown client, pool B", "UpdateUserAttributes", `{"AccessToken":"` + tokOtherB + `","UserAttributes":[{"Name":"custom:role","Value":"b"}]}`, "NotAuthorizedException"},
		{"update with garbage token", "UpdateUserAttributes", `{"AccessToken":"x","UserAttributes":[{"Name":"custom:role","Value":"b"}]}`, "NotAuthorizedException"},
		{"delete email", "DeleteUserAttributes", `{"AccessToken":"` + tokA + `","UserAttributeNames":["email"]}`, "NotAuthorizedException"},
		{"delete name", "DeleteUserAttributes", `{"AccessToken":"` + tokA + `","UserAttributeNames":["name"]}`, ""},
		{"forbidden op", "DeleteUser", `{"AccessToken":"` + tokA + `"}`, "ForbiddenException"},
		{"forbidden op, unknown client in pool", "DeleteUser", `{"AccessToken":"` + tokOtherA + `"}`, "ForbiddenException"},
		{"allowed op", "DeleteUser", `{"AccessToken":"` + tokOpen + `"}`, ""},
		{"get user", "GetUser", `{"AccessToken":"` + tokA + `"}`, ""},
		{"iam op", "AdminUpdateUserAttributes", `{"UserPoolId":"us-east-1_A","Username":"u","UserAttributes":[{"Name":"custom:tenant","Value":"b"}]}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &request.View{Target: TargetPrefix + tc.op, Body: []byte(tc.body)}
			got := ""
			if err := Parse(v); err != nil {
				got = err.Type // refused before the protections look (duplicate keys)
			} else if err := CheckRequest(clients, v); err != nil {
				got = err.Type
			}
			if got != tc.want {
				t.Errorf("CheckRequest = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHideUserExistence(t *testing.T) {
	on := &Client{ID: "app", Protection: Protection{HideUserExistence: true}}
	off := &Client{ID: "app"}
	tests := []struct {
		name    string
		c       *Client
		op      string
		user    string
		errType string
		want    string // replacement error type, body, or "" for none
	}{
		{"sign-in", on, "InitiateAuth", "bob", "UserNotFoundException", "NotAuthorizedException: Incorrect username or password."},
		{"sign-in, reset required", on, "InitiateAuth", "bob", "PasswordResetRequiredException", "NotAuthorizedException: Incorrect username or password."},
		{"challenge", on, "RespondToAuthChallenge", "bob", "UserNotFoundException", "NotAuthorizedException: Incorrect username or password."},
		{"wrong password kept", on, "InitiateAuth", "bob", "NotAuthorizedException", ""},
		{"forgot, email", on, "ForgotPassword", "bob@example.com", "UserNotFoundException", `{"CodeDeliveryDetails":{"AttributeName":"email","DeliveryMedium":"EMAIL","Destination":"b***@e***"}}`},
		{"forgot, phone", on, "ForgotPassword", "+15551234567", "UserNotFoundException", `{"CodeDeliveryDetails":{"AttributeName":"phone_number","DeliveryMedium":"SMS","Destination":"+*******4567"}}`},
		{"resend, name", on, "ResendConfirmationCode", "alice", "UserNotFoundException", `{"CodeDeliveryDetails":{"AttributeName":"email","DeliveryMedium":"EMAIL","Destination":"a***@e***"}}`},
		{"confirm forgot", on, "ConfirmForgotPassword", "bob", "UserNotFoundException", "CodeMismatchException: Invalid verification code provided, please try again."},
		{"confirm sign-up", on, "ConfirmSignUp", "bob", "UserNotFoundException", "CodeMismatchException: Invalid verification code provided, please try again."},
		{"sign-up exists kept", on, "SignUp", "bob", "UsernameExistsException", ""},
		{"reset required kept on forgot", on, "ForgotPassword", "bob", "PasswordResetRequiredException", ""},
		{"off", off, "InitiateAuth", "bob", "UserNotFoundException", ""},
		{"no client", nil, "InitiateAuth", "bob", "UserNotFoundException", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &request.View{Operation: tc.op, Username: tc.user}
			r := HideUserExistence(tc.c, v, tc.errType)
			got := ""
			switch {
			case r != nil && r.Err != nil:
				got = r.Err.Error()
			case r != nil:
				got = string(r.Body)
			}
			if got != tc.want {
				t.Errorf("got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestRebuildAnswer(t *testing.T) {
	on := &Client{ID: "app", Protection: Protection{HideUserExistence: true}}
	incorrect := "NotAuthorizedException: Incorrect username or password."
	tests := []struct {
		name, op, flow, body string
		status               int
		errType              string
		want                 string // rebuilt error, body, or "" when relayed as is
	}{
		{"wrong password", "InitiateAuth", "USER_PASSWORD_AUTH", `{"__type": "NotAuthorizedException", "message": "Incorrect username or password."}`, 400, "NotAuthorizedException", incorrect},
		{"disabled user", "InitiateAuth", "USER_SRP_AUTH", `{"__type":"NotAuthorizedException","message":"User is disabled."}`, 400, "NotAuthorizedException", incorrect},
		{"attempts exceeded", "InitiateAuth", "USER_PASSWORD_AUTH", `{"__type":"NotAuthorizedException","message":"Password attempts exceeded"}`, 400, "NotAuthorizedException", incorrect},
		{"unknown user", "InitiateAuth", "USER_PASSWORD_AUTH", `{"__type":"UserNotFoundException","message":"User does not exist."}`, 400, "UserNotFoundException", incorrect},
		{"refresh detail kept", "InitiateAuth", "REFRESH_TOKEN_AUTH", `{"__type":"NotAuthorizedException","message":"Refresh Token has been revoked"}`, 400, "NotAuthorizedException", "NotAuthorizedException: Refresh Token has been revoked"},
		{"verifier", "RespondToAuthChallenge", "", `{"__type":"NotAuthorizedException","message":"User is disabled."}`, 400, "NotAuthorizedException", incorrect},
		{"other error re-encoded", "InitiateAuth", "USER_PASSWORD_AUTH", `{"__type":"UserNotConfirmedException", "message":"User is not confirmed."}`, 400, "UserNotConfirmedException", "UserNotConfirmedException: User is not confirmed."},
		{"type from a namespaced body", "ConfirmSignUp", "", `{"__type":"com.amazonaws.cognito#ExpiredCodeException","Message":"Invalid code."}`, 400, "", "ExpiredCodeException: Invalid code."},
		{"server error", "ConfirmForgotPassword", "", `{"__type":"InternalErrorException","message":"x"}`, 500, "InternalErrorException", "InternalErrorException: x"},
		{"delivery re-encoded", "ForgotPassword", "", `{"CodeDeliveryDetails": {"Destination": "j***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}}`, 200, "",
			`{"CodeDeliveryDetails":{"AttributeName":"email","DeliveryMedium":"EMAIL","Destination":"j***@e***"}}`},
		{"HTML relayed", "ResendConfirmationCode", "", `<html>500</html>`, 500, "", ""},
		{"bad type relayed", "ConfirmSignUp", "", `{"__type":"X\r\nSet-Cookie: a=b","message":"m"}`, 400, "", ""},
		{"success without delivery relayed", "ForgotPassword", "", `{}`, 200, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &request.View{Operation: tc.op, Username: "jane", AuthFlow: tc.flow}
			if tc.op == "RespondToAuthChallenge" {
				v.Parsed = gjson.Parse(`{"ChallengeName":"PASSWORD_VERIFIER"}`)
			}
			if !RebuildsAnswer(on, v, tc.status, tc.errType) {
				t.Fatalf("RebuildsAnswer = false")
			}
			r := RebuildAnswer(on, v, tc.status, tc.errType, []byte(tc.body))
			got := ""
			switch {
			case r != nil && r.Err != nil:
				got = r.Err.Error()
				if r.Err.Status != tc.status {
					t.Errorf("status %d; want %d", r.Err.Status, tc.status)
				}
			case r != nil:
				got = string(r.Body)
			}
			if got != tc.want {
				t.Errorf("got %s\nwant %s", got, tc.want)
			}
		})
	}
	for _, c := range []struct {
		c      *Client
		op     string
		status int
	}{{nil, "InitiateAuth", 400}, {&Client{}, "InitiateAuth", 400}, {on, "SignUp", 400}, {on, "InitiateAuth", 200}, {on, "GetUser", 400}} {
		if RebuildsAnswer(c.c, &request.View{Operation: c.op}, c.status, "") {
			t.Errorf("RebuildsAnswer(%v, %s, %d) = true", c.c, c.op, c.status)
		}
	}
}

func TestReplacementWrite(t *testing.T) {
	w := httptest.NewRecorder()
	status, typ := (&Replacement{Body: simulatedDelivery("bob@example.com")}).Write(w, "rid")
	if status != 200 || typ != "" || w.Code != 200 || w.Header().Get("X-Amzn-Requestid") != "rid" {
		t.Errorf("success: %d %q %d %v", status, typ, w.Code, w.Header())
	}
	w = httptest.NewRecorder()
	status, typ = (&Replacement{Err: errIncorrectLogin}).Write(w, "rid")
	if status != 400 || typ != "NotAuthorizedException" || w.Header().Get("X-Amzn-Errortype") != "NotAuthorizedException:" {
		t.Errorf("error: %d %q %v", status, typ, w.Header())
	}
}

func TestTokenClient(t *testing.T) {
	id, pool := TokenClient(fakeToken(`{"client_id":"c1","iss":"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X"}`))
	if id != "c1" || pool != "eu-west-1_X" {
		t.Errorf("got %q %q", id, pool)
	}
	for _, bad := range []string{"", "a", "a.b", "a.!!.c", "a." + base64.RawURLEncoding.EncodeToString([]byte("not json")) + ".c"} {
		if id, pool := TokenClient(bad); id != "" || pool != "" {
			t.Errorf("TokenClient(%q) = %q %q", bad, id, pool)
		}
	}
}

// TestCheckRequestLeavesIAMOperations: IAM operations are the developer's,
// signed with AWS credentials: no client's Protection applies to them,
// whatever it forbids.
func TestCheckRequestLeavesIAMOperations(t *testing.T) {
	clients := map[string]*Client{"app": {ID: "app", Protection: Protection{
		Attributes:          []string{"custom:*"},
		ForbiddenOperations: map[string]bool{"AdminDeleteUser": true, "AdminUpdateUserAttributes": true},
	}}}
	for op, body := range map[string]string{
		"AdminDeleteUser":           `{"UserPoolId":"us-east-1_A","Username":"u"}`,
		"AdminUpdateUserAttributes": `{"UserPoolId":"us-east-1_A","Username":"u","UserAttributes":[{"Name":"custom:tenant","Value":"b"}]}`,
	} {
		v := &request.View{Target: TargetPrefix + op, Body: []byte(body)}
		if err := Parse(v); err != nil {
			t.Fatal(err)
		}
		if err := CheckRequest(clients, v); err != nil {
			t.Errorf("%s: %v, want no check", op, err)
		}
	}
}

// TestCheckRequestEveryAttribute: every attribute a request writes or
// deletes is checked, not only the first: a protected one after allowed
// ones is refused.
func TestCheckRequestEveryAttribute(t *testing.T) {
	tok := fakeToken(`{"client_id":"app","iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_A"}`)
	clients := map[string]*Client{"app": {ID: "app", Protection: Protection{Attributes: []string{"custom:tenant"}}}}
	for op, body := range map[string]string{
		"SignUp":                 `{"ClientId":"app","Username":"u","UserAttributes":[{"Name":"name","Value":"n"},{"Name":"email","Value":"e"},{"Name":"custom:tenant","Value":"b"}]}`,
		"UpdateUserAttributes":   `{"AccessToken":"` + tok + `","UserAttributes":[{"Name":"name","Value":"n"},{"Name":"custom:tenant","Value":"b"}]}`,
		"DeleteUserAttributes":   `{"AccessToken":"` + tok + `","UserAttributeNames":["name","email","custom:tenant"]}`,
		"RespondToAuthChallenge": `{"ClientId":"app","ChallengeName":"NEW_PASSWORD_REQUIRED","ChallengeResponses":{"USERNAME":"u","NEW_PASSWORD":"p","userAttributes.name":"n","userAttributes.custom:tenant":"b"}}`,
	} {
		v := &request.View{Target: TargetPrefix + op, Body: []byte(body)}
		if err := Parse(v); err != nil {
			t.Fatal(err)
		}
		if err := CheckRequest(clients, v); err != ErrUnauthorizedAttribute {
			t.Errorf("%s: %v, want %v", op, err, ErrUnauthorizedAttribute)
		}
	}
}

// TestCheckRequestUnknownTokenAnswer: when a token names no configured
// client, the answer among the refusals of the pool's clients is the one
// with the least error type, whatever the map order.
func TestCheckRequestUnknownTokenAnswer(t *testing.T) {
	tok := fakeToken(`{"client_id":"gone","iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_A"}`)
	v := &request.View{Target: TargetPrefix + "UpdateUserAttributes",
		Body: []byte(`{"AccessToken":"` + tok + `","UserAttributes":[{"Name":"email","Value":"e"}]}`)}
	if err := Parse(v); err != nil {
		t.Fatal(err)
	}
	clients := map[string]*Client{
		"attrs": {ID: "attrs", UserPoolID: "us-east-1_A", Protection: Protection{Attributes: []string{"email"}}},
		"ops":   {ID: "ops", UserPoolID: "us-east-1_A", Protection: Protection{ForbiddenOperations: map[string]bool{"UpdateUserAttributes": true}}},
		"open":  {ID: "open", UserPoolID: "us-east-1_A"},
	}
	for range 20 {
		if err := CheckRequest(clients, v); err == nil || err.Type != "ForbiddenException" {
			t.Fatalf("got %v, want the ForbiddenException (it sorts before NotAuthorizedException)", err)
		}
	}
}

// TestSimulatedDeliveryMedium: the made-up delivery for an unknown user
// follows the user name's format as Cognito's does, so it tells nothing:
// SMS for an E.164 number ("+" and 5 to 15 digits), EMAIL for anything
// else; the mask never starts with a byte of a multi-byte character.
func TestSimulatedDeliveryMedium(t *testing.T) {
	for _, tc := range []struct{ user, medium, dest string }{
		{"+12345", "SMS", "+*******2345"},
		{"+123456789012345", "SMS", "+*******2345"},
		{"+10000009", "SMS", "+*******0009"},
		{"+99999999", "SMS", "+*******9999"},
		{"+1234", "EMAIL", "+***@e***"},
		{"+1234567890123456", "EMAIL", "+***@e***"},
		{"1234567", "EMAIL", "1***@e***"},
		{"12345678901234567", "EMAIL", "1***@e***"},
		{"+1234567x", "EMAIL", "+***@e***"},
		{"+12a4567", "EMAIL", "+***@e***"},
		{"+12/4567", "EMAIL", "+***@e***"},
		{"+12:4567", "EMAIL", "+***@e***"},
		{"\x80bc@\xc3\xa9x.example", "EMAIL", "u***@e***"},
		{"\x7fbc@x.example", "EMAIL", "\u007f***@x***"},
	} {
		var d struct {
			CodeDeliveryDetails struct{ DeliveryMedium, Destination string }
		}
		if err := json.Unmarshal(simulatedDelivery(tc.user), &d); err != nil {
			t.Fatalf("%q: %v", tc.user, err)
		}
		if got := d.CodeDeliveryDetails; got.DeliveryMedium != tc.medium || got.Destination != tc.dest {
			t.Errorf("%q: %s %q, want %s %q", tc.user, got.DeliveryMedium, got.Destination, tc.medium, tc.dest)
		}
	}
}

// TestIsErrorType: only a type of ASCII letters and digits is relayed as
// an error type (x-amzn-ErrorType is a header: nothing else may reach it).
func TestIsErrorType(t *testing.T) {
	for s, want := range map[string]bool{
		"NotAuthorizedException": true, "AZaz09": true, "Z": true, "z": true, "A": true, "a": true, "0": true, "9": true,
		"": false, "Bad-Type": false, "a b": false, "X\r\nSet-Cookie": false, "ns#Type": false,
		"@": false, "[": false, "`": false, "{": false, "/": false, ":": false, "É": false,
	} {
		if got := isErrorType(s); got != want {
			t.Errorf("isErrorType(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestRebuildAnswerStatusRange: an error answer is rebuilt with its own
// status when that is an error status, 400 to 599; anything else is
// relayed as it is.
func TestRebuildAnswerStatusRange(t *testing.T) {
	on := &Client{ID: "app", Protection: Protection{HideUserExistence: true}}
	v := &request.View{Operation: "ConfirmSignUp", Username: "jane"}
	body := []byte(`{"__type":"ExpiredCodeException","message":"m"}`)
	for status, rebuilt := range map[int]bool{399: false, 400: true, 599: true, 600: false} {
		r := RebuildAnswer(on, v, status, "ExpiredCodeException", body)
		if got := r != nil && r.Err != nil && r.Err.Status == status; got != rebuilt {
			t.Errorf("status %d: %+v, want rebuilt %v", status, r, rebuilt)
		}
	}
}

// TestTokenClaimsBounds: a token is read when its payload is a JSON object
// and the token is at most maxTokenBytes long; the pool is what follows
// the last "/" of iss, wherever it is.
func TestTokenClaimsBounds(t *testing.T) {
	claims := `{"client_id":"c1","iss":"/eu-west-1_X","sub":"s-1"}`
	tok := fakeToken(claims)
	if id, pool := TokenClient(tok); id != "c1" || pool != "eu-west-1_X" {
		t.Errorf("iss with one leading slash: %q %q", id, pool)
	}
	long := tok + strings.Repeat("s", maxTokenBytes-len(tok))
	if id, _ := TokenClient(long); id != "c1" {
		t.Errorf("a token of %d bytes is not read", len(long))
	}
	if id, _ := TokenClient(long + "s"); id != "" {
		t.Errorf("a token of %d bytes is read", len(long)+1)
	}
	truncated := fakeToken(`{"client_id":"c1","sub":"s-1"`)
	if id, pool := TokenClient(truncated); id != "" || pool != "" {
		t.Errorf("truncated payload: %q %q", id, pool)
	}
	if sub := TokenSubject(truncated); sub != "" {
		t.Errorf("truncated payload: sub %q", sub)
	}
}

// TestTokenSubject: the sub claim when it is a string, "" otherwise or
// for a token that cannot be read.
func TestTokenSubject(t *testing.T) {
	for tok, want := range map[string]string{
		fakeToken(`{"sub":"5f1e-77"}`):       "5f1e-77",
		fakeToken(`{"sub":17}`):              "",
		fakeToken(`{"sub":{"a":"b"}}`):       "",
		fakeToken(`{"username":"u"}`):        "",
		"":                                   "",
		"a.b":                                "",
		"a." + strings.Repeat("!", 8) + ".c": "",
	} {
		if got := TokenSubject(tok); got != want {
			t.Errorf("TokenSubject(%q) = %q, want %q", tok, got, want)
		}
	}
}
