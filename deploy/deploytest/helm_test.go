package deploytest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

const chartDir = "../helm/poolguard"

// rendered is a chart rendered for one values file: every manifest decoded
// into its Kubernetes type.
type rendered struct {
	deployments     []appsv1.Deployment
	services        []corev1.Service
	configMaps      []corev1.ConfigMap
	serviceAccounts []corev1.ServiceAccount
	pdbs            []policyv1.PodDisruptionBudget
	hpas            []autoscalingv2.HorizontalPodAutoscaler
	serviceMonitors []monitoringv1.ServiceMonitor
}

// render renders the chart with Helm's engine, as `helm template` does, and
// decodes every manifest strictly: a field the API type does not have (a
// typo, a wrong indentation level) fails the test.
func render(t *testing.T, valuesFile string) rendered {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]any{}
	if valuesFile != "" {
		v, err := common.ReadValuesFile(valuesFile)
		if err != nil {
			t.Fatal(err)
		}
		vals = v
	}
	rv, err := chartutil.ToRenderValues(ch, vals, common.ReleaseOptions{Name: "poolguard", Namespace: "auth", IsInstall: true}, common.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	files, err := engine.Render(ch, rv)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	var r rendered
	for _, name := range slices.Sorted(mapsKeys(files)) {
		if !strings.HasSuffix(name, ".yaml") {
			continue
		}
		for i, doc := range strings.Split(files[name], "\n---") {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			var meta struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
				t.Fatalf("%s #%d: %v\n%s", name, i, err, doc)
			}
			where := name + " " + meta.Kind
			switch meta.APIVersion + " " + meta.Kind {
			case "apps/v1 Deployment":
				r.deployments = append(r.deployments, strict[appsv1.Deployment](t, where, doc))
			case "v1 Service":
				r.services = append(r.services, strict[corev1.Service](t, where, doc))
			case "v1 ConfigMap":
				r.configMaps = append(r.configMaps, strict[corev1.ConfigMap](t, where, doc))
			case "v1 ServiceAccount":
				r.serviceAccounts = append(r.serviceAccounts, strict[corev1.ServiceAccount](t, where, doc))
			case "policy/v1 PodDisruptionBudget":
				r.pdbs = append(r.pdbs, strict[policyv1.PodDisruptionBudget](t, where, doc))
			case "autoscaling/v2 HorizontalPodAutoscaler":
				r.hpas = append(r.hpas, strict[autoscalingv2.HorizontalPodAutoscaler](t, where, doc))
			case "monitoring.coreos.com/v1 ServiceMonitor":
				r.serviceMonitors = append(r.serviceMonitors, strict[monitoringv1.ServiceMonitor](t, where, doc))
			default:
				t.Errorf("%s: unexpected %s %s", name, meta.APIVersion, meta.Kind)
			}
		}
	}
	return r
}

func strict[T any](t *testing.T, where, doc string) T {
	t.Helper()
	var v T
	if err := yaml.UnmarshalStrict([]byte(doc), &v); err != nil {
		t.Errorf("%s: %v\n%s", where, err, doc)
	}
	return v
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// helm lint's rules (Chart.yaml, values, templates) find nothing to say.
func TestHelmLint(t *testing.T) {
	for _, vf := range []string{"", filepath.Join(chartDir, "ci/all-options-values.yaml")} {
		vals := map[string]any{}
		if vf != "" {
			v, err := common.ReadValuesFile(vf)
			if err != nil {
				t.Fatal(err)
			}
			vals = v
		}
		l := lint.RunAll(chartDir, vals, "auth")
		for _, m := range l.Messages {
			if m.Severity > support.InfoSev {
				t.Errorf("helm lint (%q): %s", vf, m)
			}
		}
	}
}

// With the default values: a hardened Deployment with probes on /healthz,
// the two Services, the config, a PodDisruptionBudget; no HPA or
// ServiceMonitor (off by default).
func TestHelmDefaults(t *testing.T) {
	r := render(t, "")
	if len(r.deployments) != 1 || len(r.services) != 2 || len(r.configMaps) != 1 || len(r.pdbs) != 1 || len(r.serviceAccounts) != 1 {
		t.Fatalf("rendered %d deployments, %d services, %d config maps, %d PDBs, %d service accounts",
			len(r.deployments), len(r.services), len(r.configMaps), len(r.pdbs), len(r.serviceAccounts))
	}
	if len(r.hpas) != 0 || len(r.serviceMonitors) != 0 {
		t.Error("HPA or ServiceMonitor rendered while disabled")
	}
	d := r.deployments[0]
	checkHardened(t, d)
	if *d.Spec.Replicas != 2 {
		t.Errorf("replicas %d, want 2", *d.Spec.Replicas)
	}
	validateConfig(t, r.configMaps[0], map[string]string{"COGNITO_CLIENT_SECRET": "x"})
}

// With every option on, everything renders into valid objects wired to one
// another.
func TestHelmAllOptions(t *testing.T) {
	r := render(t, filepath.Join(chartDir, "ci/all-options-values.yaml"))
	if len(r.hpas) != 1 || len(r.serviceMonitors) != 1 || len(r.pdbs) != 1 {
		t.Fatalf("%d HPAs, %d ServiceMonitors, %d PDBs; want 1 each", len(r.hpas), len(r.serviceMonitors), len(r.pdbs))
	}
	d := r.deployments[0]
	checkHardened(t, d)
	if d.Spec.Replicas != nil {
		t.Error("replicas set while the HPA scales the Deployment")
	}
	if r.hpas[0].Spec.ScaleTargetRef.Name != d.Name || r.hpas[0].Spec.MaxReplicas != 20 {
		t.Errorf("HPA targets %s (max %d), want %s", r.hpas[0].Spec.ScaleTargetRef.Name, r.hpas[0].Spec.MaxReplicas, d.Name)
	}
	c := d.Spec.Template.Spec.Containers[0]
	env := map[string]*corev1.EnvVarSource{}
	for _, e := range c.Env {
		env[e.Name] = e.ValueFrom
	}
	if s := env["REDIS_PASSWORD"]; s == nil || s.SecretKeyRef.Name != "valkey" || s.SecretKeyRef.Key != "valkey-password" {
		t.Errorf("REDIS_PASSWORD from %+v", s)
	}
	if s := env["POOLGUARD_ADMIN_TOKEN"]; s == nil || s.SecretKeyRef.Name != "poolguard-admin" {
		t.Errorf("POOLGUARD_ADMIN_TOKEN from %+v", s)
	}
	sm := r.serviceMonitors[0]
	if sm.Spec.Endpoints[0].Port != "admin" || sm.Spec.Selector.MatchLabels["app.kubernetes.io/component"] != "admin" || sm.Labels["release"] != "kube-prometheus-stack" {
		t.Errorf("ServiceMonitor %+v", sm.Spec)
	}
	var admin *corev1.Service
	for i := range r.services {
		if r.services[i].Labels["app.kubernetes.io/component"] == "admin" {
			admin = &r.services[i]
		}
	}
	if admin == nil || admin.Spec.Type != corev1.ServiceTypeClusterIP || admin.Spec.Ports[0].Port != 9091 {
		t.Errorf("admin Service %+v: want ClusterIP on 9091 even when the proxy's Service is a LoadBalancer", admin)
	}
	if d.Spec.Template.Spec.ServiceAccountName != "poolguard-sa" || r.serviceAccounts[0].Annotations["eks.amazonaws.com/role-arn"] == "" {
		t.Error("service account (IRSA) not wired")
	}
	cfg := configOf(t, r.configMaps[0])
	for _, want := range []string{"listen: 0.0.0.0:8443", "admin_listen: 0.0.0.0:9091", "address: valkey-master.valkey.svc:6379", "password_env: REDIS_PASSWORD", "failure: fail_closed", "tls: true"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
}

// checkHardened checks the pod runs as documented: non-root, read-only
// root filesystem, no privilege escalation, no capabilities, probes on
// /healthz on the admin port, resources set.
func checkHardened(t *testing.T, d appsv1.Deployment) {
	t.Helper()
	ps := d.Spec.Template.Spec
	if ps.SecurityContext == nil || ps.SecurityContext.RunAsNonRoot == nil || !*ps.SecurityContext.RunAsNonRoot {
		t.Error("pod not runAsNonRoot")
	}
	if len(ps.Containers) != 1 {
		t.Fatalf("%d containers", len(ps.Containers))
	}
	c := ps.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("container security context %+v", sc)
	}
	for name, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe, "startup": c.StartupProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" || p.HTTPGet.Port.StrVal != "admin" {
			t.Errorf("%s probe %+v, want GET /healthz on the admin port", name, p)
		}
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources %+v", c.Resources)
	}
	if d.Spec.Template.Annotations["checksum/config"] == "" {
		t.Error("no config checksum: a config change would not roll the pods")
	}
}

func configOf(t *testing.T, cm corev1.ConfigMap) string {
	t.Helper()
	cfg, ok := cm.Data["poolguard.yaml"]
	if !ok {
		t.Fatalf("ConfigMap has no poolguard.yaml: %v", cm.Data)
	}
	return cfg
}

// validateConfig runs `poolguard validate` on the config the chart
// rendered, so values that poolguard would refuse fail here.
func validateConfig(t *testing.T, cm corev1.ConfigMap, env map[string]string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds poolguard")
	}
	path := filepath.Join(t.TempDir(), "poolguard.yaml")
	if err := os.WriteFile(path, []byte(configOf(t, cm)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", "./cmd/poolguard", "validate", "--config", path)
	cmd.Dir = "../.."
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Errorf("poolguard validate on the chart's config: %v\n%s", err, out.String())
	}
}
