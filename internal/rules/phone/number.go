// Package phone finds the phone number a Cognito request can make a user
// pool send an SMS to, and classifies it with libphonenumber's metadata
// (github.com/nyaruka/phonenumbers): whether the number is valid, which
// region (ISO 3166-1 country) it belongs to and what type of line it is
// (mobile, fixed, premium-rate, ...).
//
// The web ACL sees the result as pseudo-headers (request.HeaderPhone,
// request.HeaderPhoneCC, request.HeaderPhoneRegion, request.HeaderSubject)
// and labels (LabelSMS, LabelStored, RegionNamespace+"JM",
// TypeNamespace+"premium-rate"), so that rate-based rules and allow lists
// judge the number the SMS really goes to, whatever encoding the client
// used.
package phone

import (
	"errors"
	"strconv"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// Number is a valid phone number. The zero value is no number.
type Number struct {
	// E164 is the number in E.164 form, e.g. "+18765550123".
	E164 string
	// CallingCode is its country calling code with the "+", e.g. "+1".
	CallingCode string
	// Region is the ISO 3166-1 alpha-2 code of the region the number
	// belongs to (e.g. "JM" for +1 876), or "001" for the non-geographic
	// numbering plans (+800, +882, +883, ...).
	Region string
	// Type is the line type, one of the Type constants.
	Type string
}

// Line types of a Number, as libphonenumber names them.
const (
	TypeFixedLine         = "fixed-line"
	TypeMobile            = "mobile"
	TypeFixedLineOrMobile = "fixed-line-or-mobile" // NANP numbers: the plan does not tell the two apart
	TypeTollFree          = "toll-free"
	TypePremiumRate       = "premium-rate"
	TypeSharedCost        = "shared-cost"
	TypeVoIP              = "voip"
	TypePersonalNumber    = "personal-number"
	TypePager             = "pager"
	TypeUAN               = "uan"
	TypeVoicemail         = "voicemail"
	TypeUnknown           = "unknown"
)

// Types lists every Type value.
var Types = []string{
	TypeFixedLine, TypeMobile, TypeFixedLineOrMobile, TypeTollFree, TypePremiumRate, TypeSharedCost,
	TypeVoIP, TypePersonalNumber, TypePager, TypeUAN, TypeVoicemail, TypeUnknown,
}

var typeNames = map[phonenumbers.PhoneNumberType]string{
	phonenumbers.FIXED_LINE:           TypeFixedLine,
	phonenumbers.MOBILE:               TypeMobile,
	phonenumbers.FIXED_LINE_OR_MOBILE: TypeFixedLineOrMobile,
	phonenumbers.TOLL_FREE:            TypeTollFree,
	phonenumbers.PREMIUM_RATE:         TypePremiumRate,
	phonenumbers.SHARED_COST:          TypeSharedCost,
	phonenumbers.VOIP:                 TypeVoIP,
	phonenumbers.PERSONAL_NUMBER:      TypePersonalNumber,
	phonenumbers.PAGER:                TypePager,
	phonenumbers.UAN:                  TypeUAN,
	phonenumbers.VOICEMAIL:            TypeVoicemail,
	phonenumbers.UNKNOWN:              TypeUnknown,
}

// ErrInvalid is returned for a number that libphonenumber's metadata do
// not know as a valid number (wrong length, unallocated range, unknown
// calling code) or that is not written in international form.
var ErrInvalid = errors.New("not a valid phone number in international form")

// Parse parses s, a number in international form written any way people
// and programs write one: "+" (or a full-width "＋") or the "00"
// international prefix, then digits in any script, with any spaces,
// dashes, dots, parentheses or invisible characters between them. It
// returns ErrInvalid unless the result is a valid number. Parse never
// includes s in an error.
func Parse(s string) (Number, error) {
	e164, ok := international(s)
	if !ok {
		return Number{}, ErrInvalid
	}
	n, err := phonenumbers.Parse(e164, "ZZ")
	if err != nil {
		return Number{}, ErrInvalid
	}
	// A number is valid exactly when its region's metadata give it a
	// type (phonenumbers.IsValidNumber is that same test): asking for the
	// type once saves a second pass over the patterns.
	typ := phonenumbers.GetNumberType(n)
	region := phonenumbers.GetRegionCodeForNumber(n)
	if typ == phonenumbers.UNKNOWN || region == "" {
		return Number{}, ErrInvalid
	}
	return Number{
		E164:        phonenumbers.Format(n, phonenumbers.E164),
		CallingCode: "+" + strconv.Itoa(int(n.GetCountryCode())),
		Region:      region,
		Type:        typeName(typ),
	}, nil
}

func typeName(t phonenumbers.PhoneNumberType) string {
	if name, ok := typeNames[t]; ok {
		return name
	}
	return TypeUnknown
}

// international returns "+" and the digits of s (in ASCII) when s is
// written as an international number: no letters and no "@", and, past any
// leading spaces and invisible characters, a plus sign or two zeros.
func international(s string) (string, bool) {
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || r == '@' }) >= 0 {
		return "", false
	}
	t := strings.TrimLeftFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) })
	digits := phonenumbers.NormalizeDigitsOnly(t)
	switch {
	case strings.HasPrefix(t, "+") || strings.HasPrefix(t, "\uFF0B"):
	case strings.HasPrefix(digits, "00") && unicode.IsDigit([]rune(t + " ")[0]):
		digits = digits[2:]
	default:
		return "", false
	}
	if digits == "" {
		return "", false
	}
	return "+" + digits, true
}

// LooksInternational reports whether s is written as an international
// phone number (see Parse), valid or not: what a user name must not be
// when the pool may read it as a phone number.
func LooksInternational(s string) bool {
	_, ok := international(s)
	return ok
}
