package deploytest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// The compose stack loads with Docker Compose's own loader (schema checked,
// interpolation done), has the four services wired as documented, and every
// file it mounts exists.
func TestComposeStack(t *testing.T) {
	opts, err := cli.NewProjectOptions([]string{"../compose/compose.yaml"},
		cli.WithWorkingDirectory("../compose"),
		cli.WithEnv([]string{"COGNITO_CLIENT_SECRET=x"}),
		cli.WithName("poolguard"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	for _, name := range []string{"poolguard", "valkey", "prometheus", "grafana"} {
		if _, ok := p.Services[name]; !ok {
			t.Errorf("service %s missing", name)
		}
	}
	pg := p.Services["poolguard"]
	if pg.Build == nil || filepath.Clean(pg.Build.Context) != mustAbs(t, "../..") {
		t.Errorf("poolguard builds from %+v, want the repository's Dockerfile", pg.Build)
	}
	if !pg.ReadOnly {
		t.Error("poolguard's root filesystem is writable")
	}
	if _, ok := pg.DependsOn["valkey"]; !ok {
		t.Error("poolguard does not wait for valkey")
	}
	mounts := map[string]string{}
	for _, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("%s mounts %s: %v", s.Name, v.Source, err)
			}
			mounts[s.Name+":"+v.Target] = v.Source
		}
	}
	for target, src := range map[string]string{
		"poolguard:/etc/poolguard/poolguard.yaml":                                "../compose/poolguard.yaml",
		"prometheus:/etc/prometheus/rules/poolguard-alerts.yml":                  "../prometheus/poolguard-alerts.yml",
		"grafana:/var/lib/grafana/dashboards/poolguard/poolguard-dashboard.json": "../grafana/poolguard-dashboard.json",
		"grafana:/etc/grafana/provisioning/dashboards":                           "../grafana/provisioning/dashboards",
		"grafana:/etc/grafana/provisioning/datasources":                          "../grafana/provisioning/datasources",
	} {
		if got := mounts[target]; got != mustAbs(t, src) {
			t.Errorf("%s mounted from %q, want %s", target, got, src)
		}
	}
	// Every alert rule file poolguard ships is loaded, not only the first.
	rules, err := filepath.Glob("../prometheus/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range rules {
		if strings.HasSuffix(src, ".test.yml") {
			continue
		}
		target := "prometheus:/etc/prometheus/rules/" + filepath.Base(src)
		if got := mounts[target]; got != mustAbs(t, src) {
			t.Errorf("alert rules %s not mounted at %s (got %q)", src, target, got)
		}
	}
	// Prometheus scrapes poolguard's admin listener under the job the
	// alert rules select.
	prom, err := os.ReadFile("../compose/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(prom), "job_name: poolguard") || !strings.Contains(string(prom), `"poolguard:9090"`) {
		t.Error("prometheus.yml does not scrape poolguard:9090 as job poolguard")
	}
	cfg, err := os.ReadFile("../compose/poolguard.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), "admin_listen: 0.0.0.0:9090") || !strings.Contains(string(cfg), "address: valkey:6379") {
		t.Error("the compose config does not listen for Prometheus on :9090 or use valkey")
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
