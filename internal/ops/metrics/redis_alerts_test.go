package metrics

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The shared rate store's alert rules pass promtool's checker and unit
// tests, and reference only series poolguard exports.
func TestRedisAlertRules(t *testing.T) {
	const dir, rules = "../../../deploy/prometheus/", "poolguard-redis-alerts.yml"
	b, err := os.ReadFile(dir + rules)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var exprs []string
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	checkExprs(t, rules, exprs, nil, exported(t))
	bin := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", rules},
		{"test", "rules", "poolguard-redis-alerts.test.yml"},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
