package waf

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSeed003RulesVerbatim checks that the seed003_allowlist case holds the
// two rules of shared/seeds/003 exactly as the seed prints them.
func TestSeed003RulesVerbatim(t *testing.T) {
	seed, err := os.ReadFile("../../../shared/seeds/003_c240db172efc6c27.txt")
	if err != nil {
		t.Skipf("seed not available: %v", err)
	}
	rules := string(readFile(t, "testdata/conformance/seed003_allowlist/rules.json"))
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(seed), -1)
	if len(blocks) != 2 {
		t.Fatalf("seed has %d rule blocks, want 2", len(blocks))
	}
	for i, b := range blocks {
		if !strings.Contains(rules, strings.TrimSpace(b[1])) {
			t.Errorf("rule block %d of the seed is not in rules.json verbatim", i)
		}
	}
}
