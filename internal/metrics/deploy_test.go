package metrics

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/poolguard/poolguard/internal/waf"
)

// metricName matches PromQL identifiers that name poolguard series
// (recording rules included: they contain ':').
var metricName = regexp.MustCompile(`\bpoolguard[a-zA-Z0-9_:]*`)

// exported returns every series name the registry exposes once each kind of
// outcome has been observed, histogram suffixes included.
func exported(t *testing.T) map[string]bool {
	m, _ := newTest(t, Options{})
	v := allow()
	v.NonTerminating = []waf.RuleMatch{{RuleID: "R", Action: waf.ActionCount}}
	v.RateBased = []waf.RateBasedMatch{{RuleName: "R", LimitKey: "IP", LimitValue: "192.0.2.1", EvaluationWindowSec: 300}}
	o := out("InitiateAuth", v, t0)
	o.ErrorType, o.StoreError = "ForbiddenException", true
	m.Observe(o)
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range fams {
		n := f.GetName()
		names[n] = true
		if f.GetType().String() == "HISTOGRAM" {
			names[n+"_bucket"], names[n+"_sum"], names[n+"_count"] = true, true, true
		}
	}
	return names
}

func checkExprs(t *testing.T, file string, exprs []string, recorded map[string]bool, names map[string]bool) {
	t.Helper()
	if len(exprs) == 0 {
		t.Fatalf("%s: no expressions found", file)
	}
	for _, e := range exprs {
		refs := metricName.FindAllString(e, -1)
		if len(refs) == 0 {
			t.Errorf("%s: expression references no poolguard metric: %s", file, e)
		}
		for _, r := range refs {
			if !names[r] && !recorded[r] {
				t.Errorf("%s: %q is not a metric poolguard exports (in %s)", file, r, strings.TrimSpace(e))
			}
		}
	}
}

func TestAlertRulesReferenceRealMetrics(t *testing.T) {
	const file = "../../deploy/prometheus/poolguard-alerts.yml"
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Record      string            `yaml:"record"`
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	recorded := map[string]bool{}
	var exprs []string
	thresholds := map[string]bool{}
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			if (r.Record == "") == (r.Alert == "") || r.Expr == "" {
				t.Errorf("%s: rule %q/%q must have exactly one of record/alert, and an expr", file, r.Record, r.Alert)
			}
			if r.Record != "" {
				recorded[r.Record] = true
			}
			if r.Alert != "" && (r.Labels["severity"] == "" || r.Annotations["summary"] == "") {
				t.Errorf("%s: alert %s needs a severity label and a summary", file, r.Alert)
			}
			if r.For != "" {
				if _, err := time.ParseDuration(r.For); err != nil {
					t.Errorf("%s: alert %s: for: %v", file, r.Alert, err)
				}
			}
			for _, th := range []string{"> 0.5", "> 0.7", "> 0.9"} {
				if strings.Contains(r.Expr, "utilization") && strings.Contains(r.Expr, th) {
					thresholds[th] = true
				}
			}
			exprs = append(exprs, r.Expr)
		}
	}
	if len(thresholds) != 3 {
		t.Errorf("utilisation thresholds found: %v, want 50/70/90 %%", thresholds)
	}
	checkExprs(t, file, exprs, recorded, exported(t))
}

func TestDashboardReferencesRealMetrics(t *testing.T) {
	const file = "../../deploy/grafana/poolguard-dashboard.json"
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var exprs []string
	sawUtil := false
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no queries", p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
			sawUtil = sawUtil || strings.Contains(tg.Expr, "poolguard_cognito_quota_rps")
		}
	}
	if !sawUtil {
		t.Error("no panel shows quota utilisation")
	}
	checkExprs(t, file, exprs, nil, exported(t))
}
