package outcome

import "testing"

// Classify reads Cognito's answers in every form they come in: the
// x-amzn-ErrorType header with Cognito's trailing colon (and the URL some
// services append), without it (moto), absent (then __type from the body,
// bare or with the com.amazonaws... or aws.cognito... prefix).
func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		name, op string
		status   int
		header   string
		body     string
		want     Kind
	}{
		{"wrong password, Cognito header", "InitiateAuth", 400, "NotAuthorizedException:", `{"__type":"NotAuthorizedException","message":"Incorrect username or password."}`, WrongCredentials},
		{"wrong password, moto header", "InitiateAuth", 400, "NotAuthorizedException", "", WrongCredentials},
		{"header with URL", "InitiateAuth", 400, "NotAuthorizedException:http://internal.amazon.com/coral/com.amazonaws.cognito.identity.idp.model/", "", WrongCredentials},
		{"no header, bare __type", "InitiateAuth", 400, "", `{"__type":"UserNotFoundException","message":"User does not exist."}`, UnknownUser},
		{"no header, prefixed __type", "InitiateAuth", 400, "", `{"__type":"com.amazonaws.cognito.identity.idp.model#UserNotFoundException","message":"User does not exist."}`, UnknownUser},
		{"no header, smithy __type with colon", "RespondToAuthChallenge", 400, "", `{"__type":"aws.cognito.identity.idp#CodeMismatchException:","message":"Invalid code."}`, BadCode},
		{"expired code", "ConfirmForgotPassword", 400, "ExpiredCodeException:", "", BadCode},
		{"throttled", "InitiateAuth", 400, "TooManyRequestsException:", "", Throttled},
		{"limit exceeded", "ForgotPassword", 400, "LimitExceededException:", "", Throttled},
		{"internal error", "InitiateAuth", 500, "InternalErrorException:", "", OtherError},
		{"HTML 500 from an emulator", "ResendConfirmationCode", 500, "", `<html>not implemented</html>`, OtherError},
		{"tokens", "InitiateAuth", 200, "", `{"AuthenticationResult":{"AccessToken":"a","IdToken":"b"},"ChallengeParameters":{}}`, Success},
		{"MFA challenge is not yet a sign-in", "InitiateAuth", 200, "", `{"ChallengeName":"SMS_MFA","Session":"s"}`, Unclassified},
		{"SMS sign-up", "SignUp", 200, "", `{"UserConfirmed":false,"UserSub":"x","CodeDeliveryDetails":{"Destination":"+*******0100","DeliveryMedium":"SMS","AttributeName":"phone_number"}}`, SMSSent},
		{"email sign-up", "SignUp", 200, "", `{"UserConfirmed":false,"CodeDeliveryDetails":{"Destination":"a***@e***","DeliveryMedium":"EMAIL","AttributeName":"email"}}`, EmailSent},
		{"confirmed sign-up, no code", "SignUp", 200, "", `{"UserConfirmed":true,"UserSub":"x"}`, Success},
		{"phone update", "UpdateUserAttributes", 200, "", `{"CodeDeliveryDetailsList":[{"DeliveryMedium":"SMS","AttributeName":"phone_number"}]}`, SMSSent},
		{"password reset confirmed", "ConfirmForgotPassword", 200, "", `{}`, Success},
		{"a 300 is no success", "InitiateAuth", 300, "", `{"AuthenticationResult":{"AccessToken":"a"}}`, OtherError},
		{"the header wins over the body", "InitiateAuth", 400, "NotAuthorizedException:", `{"__type":"UserNotFoundException"}`, WrongCredentials},
	} {
		if got := Classify(tt.op, tt.status, tt.header, []byte(tt.body)); got != tt.want {
			t.Errorf("%s: Classify = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Kind.String names each kind as logs and metrics write it, and calls a
// kind out of range unclassified rather than failing.
func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{
		Unclassified:     "unclassified",
		Success:          "success",
		WrongCredentials: "wrong_credentials",
		OtherError:       "other_error",
		OtherError + 1:   "unclassified",
		255:              "unclassified",
	} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
		}
	}
}

func TestErrorType(t *testing.T) {
	for in, want := range map[string]string{
		"NotAuthorizedException:": "NotAuthorizedException",
		"com.amazonaws.cognito.identity.idp.model#UserNotFoundException": "UserNotFoundException",
		"aws.cognito.identity.idp#CodeMismatchException:http://x/":       "CodeMismatchException",
		" NotAuthorizedException ":                                       "NotAuthorizedException",
		"#UserNotFoundException":                                         "UserNotFoundException",
		":NotAuthorizedException":                                        "",
		"":                                                               "",
	} {
		if got := ErrorType(in); got != want {
			t.Errorf("ErrorType(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzClassify(f *testing.F) {
	f.Add("InitiateAuth", 400, "NotAuthorizedException:", []byte(`{"__type":"x#UserNotFoundException"}`))
	f.Add("SignUp", 200, "", []byte(`{"CodeDeliveryDetails":{"DeliveryMedium":"SMS"}}`))
	f.Fuzz(func(t *testing.T, op string, status int, header string, body []byte) {
		k := Classify(op, status, header, body)
		if int(k) >= len(kindNames) {
			t.Fatalf("kind %d out of range", k)
		}
	})
}
