package cognito

import (
	"encoding/base64"
	"net/http/httptest"
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
