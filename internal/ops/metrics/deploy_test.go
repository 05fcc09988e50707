package metrics

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/poolguard/poolguard/internal/ops/buildinfo"
	"github.com/poolguard/poolguard/internal/rules/signals"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// metricName matches PromQL identifiers that name poolguard series
// (recording rules included: they contain ':').
var metricName = regexp.MustCompile(`\bpoolguard[a-zA-Z0-9_:]*`)

// quoted matches PromQL string literals (label values such as
// job="poolguard" are not metric names).
var quoted = regexp.MustCompile(`"[^"]*"`)

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
	up := out("InitiateAuth", allow(), t0)
	up.UpstreamStatus, up.UpstreamErrorType = 400, "TooManyRequestsException"
	m.Observe(up)
	reg := m.Registry()
	RegisterBuildInfo(reg, buildinfo.Get())
	RegisterReloads(reg, fakeReloads{t0, true})
	RegisterSecretRefreshFailures(reg, func() int64 { return 0 })
	RegisterIPLists(reg, func() map[string]signals.ListStatus { return map[string]signals.ListStatus{"l": {}} })
	RegisterCertExpiry(reg, func() (time.Time, bool) { return t0, true })
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
	for _, n := range registeredInMain(t) {
		names[n] = true
	}
	return names
}

// registeredInMain returns the metric names cmd/poolguard registers itself
// (the decision hook's, the Redis guard's, S3 delivery's): the names given
// as Name: or NewDesc( string literals there.
func registeredInMain(t *testing.T) []string {
	files, err := filepath.Glob("../../../cmd/poolguard/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("cmd/poolguard sources: %v", err)
	}
	lit := regexp.MustCompile(`(?:Name:\s*|NewDesc\()"(poolguard_[a-z0-9_]+)"`)
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			out = append(out, m[1])
		}
	}
	return out
}

func checkExprs(t *testing.T, file string, exprs []string, recorded map[string]bool, names map[string]bool) {
	t.Helper()
	if len(exprs) == 0 {
		t.Fatalf("%s: no expressions found", file)
	}
	for _, e := range exprs {
		refs := metricName.FindAllString(quoted.ReplaceAllString(e, `""`), -1)
		if len(refs) == 0 && !strings.Contains(e, "up{") {
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
	const file = "../../../deploy/prometheus/poolguard-alerts.yml"
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
	const file = "../../../deploy/grafana/poolguard-dashboard.json"
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var dash dashboard
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

// dashboard is the part of Grafana's dashboard model the tests read.
type dashboard struct {
	Inputs     []json.RawMessage `json:"__inputs"`
	Title      string            `json:"title"`
	UID        string            `json:"uid"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		Title      string      `json:"title"`
		Datasource *datasource `json:"datasource"`
		Targets    []struct {
			Expr       string      `json:"expr"`
			Datasource *datasource `json:"datasource"`
		} `json:"targets"`
	} `json:"panels"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// selector matches one metric selector of a PromQL expression: the name
// and its label matchers.
var selector = regexp.MustCompile(`\bpoolguard_[a-z0-9_]+(\{[^}]*\})?`)

// The dashboard loads through Grafana's file provisioning: no __inputs or
// ${DS_...} placeholders (those only work through the import UI), the data
// source chosen by a $datasource variable, every query filtered by the $job
// and $instance variables, per-operation and per-rule panels limited with
// topk, and idle series hidden.
func TestDashboardProvisionable(t *testing.T) {
	const file = "../../../deploy/grafana/poolguard-dashboard.json"
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "${DS_") {
		t.Error("the dashboard uses an import-time ${DS_...} placeholder")
	}
	var dash dashboard
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	if dash.Inputs != nil {
		t.Error("the dashboard has __inputs: file provisioning does not resolve them")
	}
	if dash.UID == "" {
		t.Error("no uid: provisioning would give the dashboard a new URL on every load")
	}
	vars := map[string]string{}
	for _, v := range dash.Templating.List {
		vars[v.Name] = v.Type
	}
	if vars["datasource"] != "datasource" || vars["job"] != "query" || vars["instance"] != "query" {
		t.Errorf("variables %v, want datasource (datasource), job and instance (query)", vars)
	}
	for _, p := range dash.Panels {
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: datasource %+v, want uid ${datasource}", p.Title, p.Datasource)
		}
		for _, tg := range p.Targets {
			if tg.Datasource == nil || tg.Datasource.UID != "${datasource}" {
				t.Errorf("panel %q: query datasource %+v, want uid ${datasource}", p.Title, tg.Datasource)
			}
			for _, sel := range selector.FindAllString(tg.Expr, -1) {
				if !strings.Contains(sel, `job=~"$job"`) || !strings.Contains(sel, `instance=~"$instance"`) {
					t.Errorf("panel %q: %s is not filtered by $job and $instance", p.Title, sel)
				}
			}
			perKey := strings.Contains(tg.Expr, "by (operation)") || strings.Contains(tg.Expr, "by (rule")
			if perKey && !strings.HasPrefix(tg.Expr, "topk(") {
				t.Errorf("panel %q: per-operation/rule query without topk: %s", p.Title, tg.Expr)
			}
			if strings.Contains(tg.Expr, "rate(") && !strings.Contains(tg.Expr, "histogram_quantile") && !strings.HasSuffix(strings.TrimSuffix(tg.Expr, ")"), "> 0") {
				t.Errorf("panel %q: rate query shows zero series: %s", p.Title, tg.Expr)
			}
		}
	}
	// The provisioning files the compose stack mounts point at it.
	prov, err := os.ReadFile("../../../deploy/grafana/provisioning/dashboards/poolguard.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name, Folder, Type    string
			DisableDeletion       bool `yaml:"disableDeletion"`
			AllowUIUpdates        bool `yaml:"allowUiUpdates"`
			UpdateIntervalSeconds int  `yaml:"updateIntervalSeconds"`
			Options               struct{ Path string }
		}
	}
	dec := yaml.NewDecoder(strings.NewReader(string(prov)))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil || cfg.APIVersion != 1 || len(cfg.Providers) != 1 || cfg.Providers[0].Type != "file" {
		t.Fatalf("dashboard provider: %v %+v", err, cfg)
	}
	compose, err := os.ReadFile("../../../deploy/compose/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if mount := "poolguard-dashboard.json:" + cfg.Providers[0].Options.Path + "/"; !strings.Contains(string(compose), mount) {
		t.Errorf("compose.yaml does not mount the dashboard into the provider's path (%s)", mount)
	}
}

// RequirePromtoolEnv, set to "1" (scripts/test.sh, CI), turns the skip of
// the promtool tests when promtool is missing into a failure.
const RequirePromtoolEnv = "POOLGUARD_REQUIRE_PROMTOOL"

// promtool returns the path of Prometheus' promtool, or skips the test (fails
// it under RequirePromtoolEnv).
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv(RequirePromtoolEnv) == "1" {
			t.Fatalf("promtool not found and %s=1 (apt-get install prometheus; scripts/setup.sh does)", RequirePromtoolEnv)
		}
		t.Skipf("promtool not found (apt-get install prometheus); set %s=1 to make this a failure", RequirePromtoolEnv)
	}
	return p
}

// The alert rules pass Prometheus' own checker and their unit tests
// (deploy/prometheus/poolguard-alerts.test.yml), which fire every alert on
// the series poolguard exports and keep it quiet where it should be.
func TestPromtool(t *testing.T) {
	bin := promtool(t)
	for _, args := range [][]string{
		{"check", "config", "../compose/prometheus.yml"},
		{"check", "rules", "poolguard-alerts.yml"},
		{"test", "rules", "poolguard-alerts.test.yml"},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = "../../../deploy/prometheus"
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// The rule unit tests reference only series poolguard exports, so a test
// cannot pass on a metric that no longer exists.
func TestAlertTestsReferenceRealMetrics(t *testing.T) {
	const file = "../../../deploy/prometheus/poolguard-alerts.test.yml"
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests []struct {
			InputSeries []struct {
				Series string `yaml:"series"`
			} `yaml:"input_series"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var exprs []string
	for _, tc := range doc.Tests {
		for _, in := range tc.InputSeries {
			if !strings.HasPrefix(in.Series, "up{") {
				exprs = append(exprs, in.Series)
			}
		}
	}
	checkExprs(t, file, exprs, nil, exported(t))
}
