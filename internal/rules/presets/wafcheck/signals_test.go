package wafcheck

// The signal presets' variants: defaults, and every optional rule on.
func init() {
	variants["cognito-credential-stuffing"] = []map[string]any{nil, {"UsernameRateLimit": 10, "EvaluationWindowSec": 60, "TestMode": true}}
	variants["cognito-sms-pumping"] = []map[string]any{nil, {"AllowedCallingCodes": []any{"+1", "+44"}, "CountryCodeRateLimit": 100, "TestMode": true}, {"AllowedRegions": []any{"US", "GB"}, "RefusedNumberTypes": []any{"premium-rate"}}}
	variants["cognito-advanced"] = []map[string]any{nil, {"AppClientId": "1example23456789", "AppClientCountries": []any{"US", "CA"}}, {"AppClientId": "x", "TestMode": true}}
}
