package presets

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// Kind is the type of a preset parameter.
type Kind int

// The parameter kinds.
const (
	// Limit is a rate-based rule limit: an integer from 10 to 2,000,000,000.
	Limit Kind = iota + 1
	// Window is an evaluation window in seconds: 60, 120, 300 or 600.
	Window
	// Bool is true or false (also "Yes" or "No", as AWS's CloudFormation templates write it).
	Bool
	// Name is an AWS WAF resource name: 1 to 128 letters, digits, '_' or '-'.
	Name
	// Text is a header value such as an app client id: up to 128 letters,
	// digits, '_', '-' or '.'; empty allowed.
	Text
	// Countries is a list of ISO 3166-1 alpha-2 country codes, e.g. ["US"].
	Countries
	// CallingCodes is a list of E.164 country calling codes, e.g. ["+1", "+44"].
	CallingCodes
	// Seconds is a CAPTCHA or challenge immunity time: 60 to 259200 seconds.
	Seconds
	// NumberTypes is a list of phone line types as package phone names
	// them, e.g. ["premium-rate", "shared-cost"].
	NumberTypes
)

// AWS's limits on rate-based rules.
const (
	MinLimit = 10
	MaxLimit = 2_000_000_000
)

// Windows lists the evaluation windows AWS accepts, in seconds.
var Windows = []int64{60, 120, 300, 600}

// Param describes one preset parameter.
type Param struct {
	// Name is the parameter's name, as in AWS's CloudFormation template (e.g. "SignInRateLimit").
	Name string
	// Kind is its type.
	Kind Kind
	// Default is its value when not given: int64, bool or string.
	Default any
	// Doc says what it does.
	Doc string
}

var awsName = regexp.MustCompile(`^[\w-]{1,128}$`)

// values holds resolved parameter values by name.
type values map[string]any

func (v values) int(name string) int64  { return v[name].(int64) }
func (v values) bool(name string) bool  { return v[name].(bool) }
func (v values) str(name string) string { return v[name].(string) }

// resolve checks given against specs and fills in defaults. Errors name the
// preset and the parameter and list what is valid.
func resolve(preset string, specs []Param, given map[string]any) (values, error) {
	out := make(values, len(specs))
	for _, p := range specs {
		out[p.Name] = p.Default
	}
	names := make([]string, 0, len(given))
	for n := range given {
		names = append(names, n)
	}
	slices.Sort(names) // report the first error deterministically
	for _, n := range names {
		i := slices.IndexFunc(specs, func(p Param) bool { return p.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("preset %s: unknown parameter %q (valid: %s)", preset, n, paramNames(specs))
		}
		v, err := convert(specs[i].Kind, given[n])
		if err != nil {
			return nil, fmt.Errorf("preset %s: parameter %s: %w", preset, n, err)
		}
		out[n] = v
	}
	return out, nil
}

func paramNames(specs []Param) string {
	s := make([]string, len(specs))
	for i, p := range specs {
		s[i] = p.Name
	}
	slices.Sort(s)
	return strings.Join(s, ", ")
}

// convert checks and converts a value decoded from YAML or JSON.
func convert(k Kind, v any) (any, error) {
	switch k {
	case Limit, Window:
		n, ok := integer(v)
		if !ok {
			return nil, fmt.Errorf("%v is not an integer", describe(v))
		}
		if k == Limit && (n < MinLimit || n > MaxLimit) {
			return nil, fmt.Errorf("%d is not between %d and %d", n, MinLimit, MaxLimit)
		}
		if k == Window && !slices.Contains(Windows, n) {
			return nil, fmt.Errorf("%d is not one of 60, 120, 300, 600 (seconds)", n)
		}
		return n, nil
	case Bool:
		switch b := v.(type) {
		case bool:
			return b, nil
		case string:
			switch strings.ToLower(b) {
			case "true", "yes":
				return true, nil
			case "false", "no":
				return false, nil
			}
		}
		return nil, fmt.Errorf("%v is not true/false (or Yes/No)", describe(v))
	case Name:
		s, ok := v.(string)
		if !ok || !awsName.MatchString(s) {
			return nil, fmt.Errorf("%v is not a name of 1 to 128 letters, digits, '_' or '-'", describe(v))
		}
		return s, nil
	}
	return convertMore(k, v)
}

// integer accepts the integer types YAML and JSON decoders produce, and
// floats with no fraction.
func integer(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint:
		return int64(n), n <= math.MaxInt64
	case uint32:
		return int64(n), true
	case uint64:
		return int64(n), n <= math.MaxInt64
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

func describe(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%v (%T)", v, v)
}
