package waf

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestPublishedAllowlistCase checks that the published_allowlist
// conformance case evaluates the two rules of the Haufe-Lexware article "A
// call for debate on how to secure AWS Cognito" as published (kept in
// internal/rules/presets/testdata/published-allowlist-rules.json, which the
// cognito-allowlist preset must generate).
func TestPublishedAllowlistCase(t *testing.T) {
	var acl struct{ Rules []any }
	if err := json.Unmarshal(readFile(t, "testdata/conformance/published_allowlist/rules.json"), &acl); err != nil {
		t.Fatal(err)
	}
	var published []any
	if err := json.Unmarshal(readFile(t, "../presets/testdata/published-allowlist-rules.json"), &published); err != nil {
		t.Fatal(err)
	}
	if len(published) != 2 {
		t.Fatalf("the article publishes 2 rules; the file holds %d", len(published))
	}
	if !reflect.DeepEqual(acl.Rules, published) {
		t.Errorf("the conformance case's rules differ from the published ones:\n got %v\nwant %v", acl.Rules, published)
	}
}
