package presets

import (
	"bytes"
	"testing"
)

// signalGoldenCases are the golden files of the signal presets.
var signalGoldenCases = []goldenCase{
	{"cognito-credential-stuffing", "cognito-credential-stuffing", nil, Options{}},
	{"cognito-sms-pumping", "cognito-sms-pumping", nil, Options{}},
	{"cognito-sms-pumping-allow-list", "cognito-sms-pumping", map[string]any{"AllowedRegions": []any{"US", "GB"}, "RefusedNumberTypes": []any{"premium-rate"}}, Options{Priority: 20}},
	{"cognito-sms-pumping-deprecated", "cognito-sms-pumping", map[string]any{"AllowedCallingCodes": []any{"+1", "+44"}, "CountryCodeRateLimit": 100, "RefusedNumberTypes": []any{}}, Options{}},
	{"cognito-advanced", "cognito-advanced", nil, Options{}},
	{"cognito-advanced-app-client", "cognito-advanced", map[string]any{"AppClientId": "1example23456789", "AppClientCountries": "US,CA", "AppClientRateLimit": 50, "ImmunityTime": 600}, Options{Priority: 50}},
}

func TestGoldenSignalPresets(t *testing.T) { checkGolden(t, signalGoldenCases) }

func TestSignalPresetParams(t *testing.T) {
	for _, tc := range []struct {
		preset string
		params map[string]any
		want   string
	}{
		{"cognito-sms-pumping", map[string]any{"AllowedCallingCodes": []any{"44"}}, `"44" is not an E.164 country calling code`},
		{"cognito-sms-pumping", map[string]any{"AllowedRegions": []any{"+1"}}, `"+1" is not an ISO 3166-1 alpha-2`},
		{"cognito-sms-pumping", map[string]any{"RefusedNumberTypes": []any{"premium"}}, `"premium" is not a phone line type`},
		{"cognito-advanced", map[string]any{"AppClientCountries": []any{"usa"}}, `"usa" is not an ISO 3166-1 alpha-2`},
		{"cognito-advanced", map[string]any{"ImmunityTime": 30}, "from 60 to 259200"},
		{"cognito-advanced", map[string]any{"AppClientId": "a b"}, "is not up to 128"},
	} {
		_, err := Generate(tc.preset, tc.params, Options{})
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
			t.Errorf("%s %v: err = %v, want %q", tc.preset, tc.params, err, tc.want)
		}
	}
}
