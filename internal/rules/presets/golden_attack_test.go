package presets

import (
	"strings"
	"testing"
	"time"
)

// attackGoldenCases are the golden files of cognito-attack-protection.
var attackGoldenCases = []goldenCase{
	{"cognito-attack-protection", AttackProtection, nil, Options{}},
	{"cognito-attack-protection-test-mode", AttackProtection, map[string]any{"TestMode": true, "UnderAttackAction": "CAPTCHA"}, Options{Priority: 50}},
}

func TestGoldenAttackProtection(t *testing.T) { checkGolden(t, attackGoldenCases) }

// The preset's parameters become the tracker's thresholds; bad values are
// errors naming the parameter.
func TestAttackProtectionConfig(t *testing.T) {
	c, err := AttackProtectionConfig(map[string]any{"BruteForceThreshold": 5, "KnownSourceDays": 7, "SmsPerDay": 0})
	if err != nil {
		t.Fatal(err)
	}
	if c.BruteForce != 5 || c.Windows.KnownSource != 7*24*time.Hour || c.Windows.SMSDay != 0 || c.Windows.SMSHour != 100 ||
		c.SuspiciousPerDay != 100 || c.SuspiciousPerMinute != 10 || c.UnderAttackFailures != 10 {
		t.Fatalf("config %+v", c)
	}
	for _, tt := range []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{"BruteForceThreshold": -1}, "BruteForceThreshold"},
		{map[string]any{"EnumerationPercent": 101}, "0 to 100"},
		{map[string]any{"UnderAttackAction": "ALLOW"}, "BLOCK, CAPTCHA, CHALLENGE or COUNT"},
		{map[string]any{"BruteForceWindowSec": 10}, "60 to 259200"},
		{map[string]any{"Nope": 1}, `unknown parameter "Nope"`},
	} {
		_, err := AttackProtectionConfig(tt.params)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("AttackProtectionConfig(%v) = %v, want an error containing %q", tt.params, err, tt.want)
		}
	}
}
