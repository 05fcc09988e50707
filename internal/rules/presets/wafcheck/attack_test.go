package wafcheck

func init() {
	variants["cognito-attack-protection"] = []map[string]any{nil,
		{"TestMode": true}, {"UnderAttackAction": "captcha", "SmsBudgetAction": "COUNT", "BruteForceThreshold": 0}}
}
