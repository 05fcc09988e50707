package phone

import (
	"strings"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/tidwall/gjson"
)

// Labels the phone stage adds to a request before the web ACL runs.
const (
	// LabelSMS marks a request that can make the pool send an SMS: a
	// sign-up or attribute update with a phone number, a phone-number user
	// name, a code sent to the user's own number (ForgotPassword,
	// ResendConfirmationCode, GetUserAttributeVerificationCode of
	// phone_number) or a passwordless SMS sign-in (USER_AUTH).
	LabelSMS = "poolguard:phone:sms"
	// LabelStored marks an SMS request whose number the request does not
	// name: the code goes to the number Cognito holds for the user, which
	// was judged when it was written through the proxy.
	LabelStored = "poolguard:phone:stored"
	// RegionNamespace prefixes the region label of a named number, e.g.
	// "poolguard:phone:region:JM" (non-geographic numbers: "...:001").
	RegionNamespace = "poolguard:phone:region:"
	// TypeNamespace prefixes the line-type label of a named number, e.g.
	// "poolguard:phone:type:premium-rate".
	TypeNamespace = "poolguard:phone:type:"
)

// invalidFormat is Cognito's own message for a phone_number it refuses; it
// never carries the number.
const invalidFormat = "Invalid phone number format."

// Resolve finds the phone number v can make the pool text and records it
// in v: Phone, PhoneCC, PhoneRegion, Subject and the labels above. It
// reads v.Operation, v.Username and the body, so cognito.Parse must have
// filled them. phoneUsernames says whether the pool may read a user name
// as a phone number (cognito.Client.NoPhoneUsernames unset): then a user
// name written as an international number, in any encoding, is that
// number.
//
// It returns the InvalidParameterException to answer when the request
// names a number that is not valid, gives phone_number twice (in any
// letter case), or names two different numbers; nil otherwise.
func Resolve(v *request.View, phoneUsernames bool) *cognito.Error {
	switch v.Operation {
	case "SignUp":
		return signUp(v, phoneUsernames)
	case "UpdateUserAttributes":
		attr, found, err := phoneAttribute(v.JSON("UserAttributes"))
		if err != nil || !found {
			return err
		}
		v.Subject = cognito.TokenSubject(v.JSON("AccessToken").Str)
		return setNumber(v, attr)
	case "GetUserAttributeVerificationCode":
		if strings.EqualFold(v.JSON("AttributeName").Str, "phone_number") {
			v.Subject = cognito.TokenSubject(v.JSON("AccessToken").Str)
			stored(v)
		}
	case "ForgotPassword", "ResendConfirmationCode":
		return byUsername(v, phoneUsernames)
	case "InitiateAuth":
		if v.AuthFlow == "USER_AUTH" {
			return byUsername(v, phoneUsernames)
		}
	case "RespondToAuthChallenge":
		if v.JSON("ChallengeName").Str == "SELECT_CHALLENGE" && v.JSON("ChallengeResponses.ANSWER").Str == "SMS_OTP" {
			return byUsername(v, phoneUsernames)
		}
	}
	return nil
}

// signUp takes the phone_number attribute and a phone-number user name;
// when both are given they must be the same number.
func signUp(v *request.View, phoneUsernames bool) *cognito.Error {
	attr, found, err := phoneAttribute(v.JSON("UserAttributes"))
	if err != nil {
		return err
	}
	if phoneUsernames && LooksInternational(v.Username) {
		if found {
			a, errA := Parse(attr)
			u, errU := Parse(v.Username)
			if errA == nil && errU == nil && a.E164 != u.E164 {
				return cognito.InvalidParameter("The phone_number attribute and the phone number user name differ.")
			}
		}
		attr, found = v.Username, true
	}
	if !found {
		return nil
	}
	return setNumber(v, attr)
}

// byUsername handles the operations that name only the user: a
// phone-number user name is the number; any other name reaches the number
// stored for the user.
func byUsername(v *request.View, phoneUsernames bool) *cognito.Error {
	if phoneUsernames && LooksInternational(v.Username) {
		return setNumber(v, v.Username)
	}
	if v.Username != "" {
		stored(v)
	}
	return nil
}

// stored marks v as texting the number Cognito holds for the user.
func stored(v *request.View) {
	v.Labels = appendNew(v.Labels, LabelSMS, LabelStored)
}

// setNumber parses s and records it in v.
func setNumber(v *request.View, s string) *cognito.Error {
	n, err := Parse(s)
	if err != nil {
		return cognito.InvalidParameter(invalidFormat)
	}
	v.Phone, v.PhoneCC, v.PhoneRegion = n.E164, n.CallingCode, n.Region
	v.Labels = appendNew(v.Labels, LabelSMS, RegionNamespace+n.Region, TypeNamespace+n.Type)
	return nil
}

// phoneAttribute returns the value of the phone_number entry of list (a
// UserAttributes array) and reports whether there is one. The name is
// matched in any letter case, and two such entries, or a value that is
// not a string, are refused: what Cognito reads must be what was judged.
func phoneAttribute(list gjson.Result) (string, bool, *cognito.Error) {
	var value string
	found := false
	var err *cognito.Error
	list.ForEach(func(_, a gjson.Result) bool {
		if !strings.EqualFold(a.Get("Name").Str, "phone_number") {
			return true
		}
		val := a.Get("Value")
		switch {
		case found:
			err = cognito.InvalidParameter("Attribute phone_number is given more than once in UserAttributes.")
		case val.Type != gjson.String:
			err = cognito.InvalidParameter(invalidFormat)
		}
		value, found = val.Str, true
		return err == nil
	})
	return value, found, err
}

// appendNew appends each label not yet in labels.
func appendNew(labels []string, add ...string) []string {
outer:
	for _, l := range add {
		for _, have := range labels {
			if have == l {
				continue outer
			}
		}
		labels = append(labels, l)
	}
	return labels
}

// Outcome names, for metrics, what Resolve found in v (err is its
// result): the line type of a named number, "stored", "invalid", or ""
// when the request can send no SMS. It carries no personal data.
func Outcome(v *request.View, err *cognito.Error) string {
	switch {
	case err != nil:
		return "invalid"
	case v.Phone != "":
		for _, l := range v.Labels {
			if t, ok := strings.CutPrefix(l, TypeNamespace); ok {
				return t
			}
		}
	}
	for _, l := range v.Labels {
		if l == LabelStored {
			return "stored"
		}
	}
	return ""
}
