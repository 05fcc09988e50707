package exportwaf

import (
	"encoding/json"

	"github.com/poolguard/poolguard/internal/rules/presets"
)

// Capacity returns the web ACL capacity units (WCUs) to reserve for preset
// p as a rule group: an upper bound from AWS's published unit costs of each
// statement ("Web ACL capacity units used by rule statements" in the AWS
// WAF developer guide), since a rule group's capacity cannot change after
// it is created. AWS's CheckCapacity API gives the exact figure.
func Capacity(p presets.Preset) int {
	total := 0
	for _, raw := range p.Rules {
		var r obj
		if json.Unmarshal(raw, &r) == nil {
			total += statementWCU(r["Statement"])
		}
	}
	return max(total, 1)
}

// statementWCU is an upper bound of one statement's units.
func statementWCU(v any) int {
	m, ok := v.(obj)
	if !ok {
		return 0
	}
	cost := 0
	for kind, body := range m {
		b, _ := body.(obj)
		switch kind {
		case "AndStatement", "OrStatement":
			list, _ := b["Statements"].([]any)
			for _, s := range list {
				cost += statementWCU(s)
			}
		case "NotStatement":
			cost += statementWCU(b["Statement"])
		case "RateBasedStatement":
			cost += 2 + statementWCU(b["ScopeDownStatement"])
			keys, _ := b["CustomKeys"].([]any)
			cost += 30 * len(keys) // each key with its text transformations
		case "ByteMatchStatement":
			cost += matchWCU(b, 1, 10)
		case "RegexMatchStatement":
			cost += matchWCU(b, 3, 3)
		case "RegexPatternSetReferenceStatement":
			cost += matchWCU(b, 25, 25)
		case "SizeConstraintStatement", "GeoMatchStatement", "IPSetReferenceStatement", "LabelMatchStatement":
			cost += matchWCU(b, 1, 1)
		default: // SQLi, XSS and anything else: AWS's largest single cost
			cost += matchWCU(b, 40, 40)
		}
	}
	return cost
}

// matchWCU is a match statement's base cost (contains for a CONTAINS or
// CONTAINS_WORD byte match) plus 10 per text transformation other than
// NONE.
func matchWCU(b obj, base, contains int) int {
	cost := base
	if pc, _ := b["PositionalConstraint"].(string); pc == "CONTAINS" || pc == "CONTAINS_WORD" {
		cost = contains
	}
	tts, _ := b["TextTransformations"].([]any)
	for _, tt := range tts {
		if t, _ := tt.(obj); t["Type"] != "NONE" {
			cost += 10
		}
	}
	if fm, _ := b["FieldToMatch"].(obj); fm != nil {
		if _, ok := fm["JsonBody"]; ok {
			cost *= 2 // AWS doubles the base cost for a JSON body match
		}
	}
	return cost
}
