package presets

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/poolguard/poolguard/internal/rules/phone"
)

var (
	textPattern    = regexp.MustCompile(`^[\w.-]{0,128}$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
	callingPattern = regexp.MustCompile(`^\+[1-9][0-9]{0,2}$`)
	numberTypes    = regexp.MustCompile(`^(` + strings.Join(phone.Types, "|") + `)$`)
)

func (v values) strs(name string) []string { return v[name].([]string) }

// convertMore converts the kinds added for the signal presets.
func convertMore(k Kind, v any) (any, error) {
	switch k {
	case Text:
		s, ok := v.(string)
		if !ok || !textPattern.MatchString(s) {
			return nil, fmt.Errorf("%v is not up to 128 letters, digits, '_', '-' or '.'", describe(v))
		}
		return s, nil
	case Countries:
		return stringList(v, countryPattern, "an ISO 3166-1 alpha-2 country code such as \"US\"")
	case CallingCodes:
		return stringList(v, callingPattern, "an E.164 country calling code such as \"+44\"")
	case NumberTypes:
		return stringList(v, numberTypes, "a phone line type ("+strings.Join(phone.Types, ", ")+")")
	case Seconds:
		n, ok := integer(v)
		if !ok || n < 60 || n > 259200 {
			return nil, fmt.Errorf("%v is not a number of seconds from 60 to 259200", describe(v))
		}
		return n, nil
	}
	return convertAttack(k, v)
}

// stringList accepts a list (or one comma-separated string, as CloudFormation
// parameters write lists) whose every element matches pat.
func stringList(v any, pat *regexp.Regexp, what string) ([]string, error) {
	var items []string
	switch l := v.(type) {
	case []string:
		items = l
	case []any:
		for _, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%v is not %s", describe(e), what)
			}
			items = append(items, s)
		}
	case string:
		if strings.TrimSpace(l) != "" {
			for _, s := range strings.Split(l, ",") {
				items = append(items, strings.TrimSpace(s))
			}
		}
	default:
		return nil, fmt.Errorf("%v is not a list", describe(v))
	}
	out := make([]string, 0, len(items))
	for _, s := range items {
		if !pat.MatchString(s) {
			return nil, fmt.Errorf("%q is not %s", s, what)
		}
		out = append(out, s)
	}
	return out, nil
}
