package phone

import (
	"encoding/base64"
	"slices"
	"testing"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/edge/request"
)

// token is an (unsigned) access token with subject sub.
func token(sub string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(`{"sub":"`+sub+`","client_id":"c"}`)) + ".sig"
}

func TestResolve(t *testing.T) {
	jm := []string{LabelSMS, RegionNamespace + "JM", TypeNamespace + TypeMobile}
	stored := []string{LabelSMS, LabelStored}
	tests := []struct {
		name, op, body string
		noPhoneNames   bool
		phone, region  string
		subject        string
		labels         []string
		errType        string
	}{
		{"SignUp phone attribute", "SignUp", `{"Username":"bob","UserAttributes":[{"Name":"phone_number","Value":"+18762101234"}]}`, false, "+18762101234", "JM", "", jm, ""},
		{"SignUp phone user name, no attributes", "SignUp", `{"Username":"+18762101234","Password":"x"}`, false, "+18762101234", "JM", "", jm, ""},
		{"SignUp user name with spaces and dashes", "SignUp", `{"Username":"+1 876-210-1234"}`, false, "+18762101234", "JM", "", jm, ""},
		{"SignUp user name with 00 prefix", "SignUp", `{"Username":"0018762101234"}`, false, "+18762101234", "JM", "", jm, ""},
		{"SignUp user name in full-width digits", "SignUp", `{"Username":"＋１８７６２１０１２３４"}`, false, "+18762101234", "JM", "", jm, ""},
		{"SignUp user name as JSON unicode escapes", "SignUp", `{"Username":"\u002b\u0031876\uff12101234"}`, false, "+18762101234", "JM", "", jm, ""},
		{"SignUp phone user name, client says usernames are not phones", "SignUp", `{"Username":"+18762101234"}`, true, "", "", "", nil, ""},
		{"SignUp e-mail user name, no phone", "SignUp", `{"Username":"a@example.com","UserAttributes":[{"Name":"email","Value":"a@example.com"}]}`, false, "", "", "", nil, ""},
		{"SignUp same number twice", "SignUp", `{"Username":"+18762101234","UserAttributes":[{"Name":"phone_number","Value":"+1 876 210 1234"}]}`, false, "+18762101234", "JM", "", jm, ""},
		{"SignUp user name and attribute differ", "SignUp", `{"Username":"+14155552671","UserAttributes":[{"Name":"phone_number","Value":"+18762101234"}]}`, false, "", "", "", nil, "InvalidParameterException"},
		{"SignUp attribute in another letter case", "SignUp", `{"Username":"bob","UserAttributes":[{"Name":"Phone_Number","Value":"+18762101234"}]}`, false, "+18762101234", "JM", "", jm, ""},
		{"SignUp attribute twice in two letter cases", "SignUp", `{"Username":"bob","UserAttributes":[{"Name":"phone_number","Value":"+14155552671"},{"Name":"PHONE_NUMBER","Value":"+18762101234"}]}`, false, "", "", "", nil, "InvalidParameterException"},
		{"SignUp attribute not a string", "SignUp", `{"Username":"bob","UserAttributes":[{"Name":"phone_number","Value":18762101234}]}`, false, "", "", "", nil, "InvalidParameterException"},
		{"SignUp invalid attribute", "SignUp", `{"Username":"bob","UserAttributes":[{"Name":"phone_number","Value":"+15551234567"}]}`, false, "", "", "", nil, "InvalidParameterException"},
		{"SignUp invalid phone user name", "SignUp", `{"Username":"+1876555"}`, false, "", "", "", nil, "InvalidParameterException"},
		{"SignUp invalid attribute even when usernames are not phones", "SignUp", `{"Username":"+1","UserAttributes":[{"Name":"phone_number","Value":"+1"}]}`, true, "", "", "", nil, "InvalidParameterException"},
		{"ForgotPassword phone user name", "ForgotPassword", `{"Username":"+18762101234"}`, false, "+18762101234", "JM", "", jm, ""},
		{"ForgotPassword e-mail user name", "ForgotPassword", `{"Username":"a@example.com"}`, false, "", "", "", stored, ""},
		{"ForgotPassword phone user name, usernames not phones", "ForgotPassword", `{"Username":"+18762101234"}`, true, "", "", "", stored, ""},
		{"ResendConfirmationCode phone user name", "ResendConfirmationCode", `{"Username":"00 1 876 210 1234"}`, false, "+18762101234", "JM", "", jm, ""},
		{"ResendConfirmationCode invalid number", "ResendConfirmationCode", `{"Username":"+999"}`, false, "", "", "", nil, "InvalidParameterException"},
		{"USER_AUTH sign-in by phone", "InitiateAuth", `{"AuthFlow":"USER_AUTH","AuthParameters":{"USERNAME":"+18762101234","PREFERRED_CHALLENGE":"SMS_OTP"}}`, false, "+18762101234", "JM", "", jm, ""},
		{"password sign-in sends no SMS without the password", "InitiateAuth", `{"AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"+18762101234","PASSWORD":"x"}}`, false, "", "", "", nil, ""},
		{"SMS_OTP chosen", "RespondToAuthChallenge", `{"ChallengeName":"SELECT_CHALLENGE","ChallengeResponses":{"USERNAME":"bob","ANSWER":"SMS_OTP"}}`, false, "", "", "", stored, ""},
		{"UpdateUserAttributes phone", "UpdateUserAttributes", `{"AccessToken":"` + token("sub-1") + `","UserAttributes":[{"Name":"phone_number","Value":"+18762101234"}]}`, false, "+18762101234", "JM", "sub-1", jm, ""},
		{"UpdateUserAttributes without phone", "UpdateUserAttributes", `{"AccessToken":"` + token("sub-1") + `","UserAttributes":[{"Name":"name","Value":"Bob"}]}`, false, "", "", "", nil, ""},
		{"GetUserAttributeVerificationCode phone", "GetUserAttributeVerificationCode", `{"AccessToken":"` + token("sub-2") + `","AttributeName":"phone_number"}`, false, "", "", "sub-2", stored, ""},
		{"GetUserAttributeVerificationCode e-mail", "GetUserAttributeVerificationCode", `{"AccessToken":"` + token("sub-2") + `","AttributeName":"email"}`, false, "", "", "", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &request.View{Target: "AWSCognitoIdentityProviderService." + tc.op, Body: []byte(tc.body)}
			if err := cognito.Parse(v); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err := Resolve(v, !tc.noPhoneNames)
			if tc.errType != "" {
				if err == nil || err.Type != tc.errType {
					t.Fatalf("err = %v, want %s", err, tc.errType)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if v.Phone != tc.phone || v.PhoneRegion != tc.region || v.Subject != tc.subject {
				t.Errorf("phone %q region %q subject %q; want %q %q %q", v.Phone, v.PhoneRegion, v.Subject, tc.phone, tc.region, tc.subject)
			}
			if !slices.Equal(v.Labels, tc.labels) {
				t.Errorf("labels %q, want %q", v.Labels, tc.labels)
			}
		})
	}
}

// TestResolveErrorsNameNoNumber: the refusal never echoes the number.
func TestResolveErrorsNameNoNumber(t *testing.T) {
	v := &request.View{Target: "AWSCognitoIdentityProviderService.SignUp", Body: []byte(`{"Username":"+1876555","UserAttributes":[]}`)}
	if err := cognito.Parse(v); err != nil {
		t.Fatal(err)
	}
	err := Resolve(v, true)
	if err == nil || containsDigits(err.Message) {
		t.Fatalf("err = %v", err)
	}
}

func containsDigits(s string) bool {
	for _, c := range s {
		if c >= '0' && c <= '9' {
			return true
		}
	}
	return false
}
