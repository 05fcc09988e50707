package waf

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// DocumentKind says which AWS JSON shape a document had.
type DocumentKind int

// The document shapes Load accepts.
const (
	// KindGetWebACL is `aws wafv2 get-web-acl` output: {"WebACL": {...}, "LockToken": ...}.
	KindGetWebACL DocumentKind = iota + 1
	// KindWebACL is a bare WebACL object.
	KindWebACL
	// KindRules is a JSON list of Rule objects.
	KindRules
	// KindGetRuleGroup is `aws wafv2 get-rule-group` output: {"RuleGroup": {...}}.
	KindGetRuleGroup
	// KindRuleGroup is a bare RuleGroup object.
	KindRuleGroup
)

// Document is a loaded AWS WAFv2 JSON document. Exactly one of WebACL and
// RuleGroup is set; a list of rules loads as a WebACL with no name and an
// Allow default action.
type Document struct {
	// Kind is the shape the document had.
	Kind DocumentKind
	// WebACL is the web ACL, for the web ACL and rule list shapes.
	WebACL *WebACL
	// RuleGroup is the rule group, for the rule group shapes.
	RuleGroup *RuleGroup
	// prefix is the JSON path of the rules list's parent ("WebACL", "").
	prefix string
}

// Load decodes AWS WAFv2 JSON: a whole `aws wafv2 get-web-acl` output, a
// bare WebACL object, a JSON list of Rules, or a RuleGroup (bare or as
// `aws wafv2 get-rule-group` output). Decoding is strict: an unknown field
// or a value of the wrong JSON type is an error. The error, if any, is an
// Errors listing every such problem with its rule and path; the document
// is then returned too, holding what could be decoded, so that Compile can
// report further problems (New does both). Load checks shape only;
// Compile checks meaning.
func Load(data []byte) (*Document, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, Errors{{Msg: "invalid JSON: " + err.Error()}}
	}
	if dec.More() {
		return nil, Errors{{Msg: "invalid JSON: more than one value"}}
	}
	e := &errs{}
	d := &strictDecoder{errs: e}
	doc := &Document{}
	switch v := raw.(type) {
	case []any:
		doc.Kind = KindRules
		var rules []Rule
		d.decode("Rules", v, reflect.ValueOf(&rules).Elem())
		doc.WebACL = &WebACL{Rules: rules, DefaultAction: &DefaultAction{Allow: &AllowAction{}}}
		doc.prefix = ""
	case map[string]any:
		switch {
		case v["WebACL"] != nil:
			doc.Kind = KindGetWebACL
			var out GetWebACLOutput
			d.decode("", v, reflect.ValueOf(&out).Elem())
			doc.WebACL, doc.prefix = out.WebACL, "WebACL"
		case v["RuleGroup"] != nil:
			doc.Kind = KindGetRuleGroup
			var out GetRuleGroupOutput
			d.decode("", v, reflect.ValueOf(&out).Elem())
			doc.RuleGroup, doc.prefix = out.RuleGroup, "RuleGroup"
		case v["DefaultAction"] != nil:
			doc.Kind = KindWebACL
			doc.WebACL = &WebACL{}
			d.decode("", v, reflect.ValueOf(doc.WebACL).Elem())
		case v["Rules"] != nil:
			doc.Kind = KindRuleGroup
			doc.RuleGroup = &RuleGroup{}
			d.decode("", v, reflect.ValueOf(doc.RuleGroup).Elem())
		default:
			return nil, Errors{{Msg: "not a web ACL, rule group or list of rules: expected a JSON list of rules or an object with WebACL, RuleGroup, DefaultAction or Rules"}}
		}
	default:
		return nil, Errors{{Msg: "not a web ACL, rule group or list of rules: got " + jsonKind(raw)}}
	}
	if doc.WebACL == nil && doc.RuleGroup == nil {
		e.addf(doc.prefix, "is null")
	}
	if err := e.err(); err != nil {
		return doc, err
	}
	return doc, nil
}
