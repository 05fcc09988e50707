package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/poolguard/poolguard/internal/ops/buildinfo"
)

// RegisterBuildInfo adds poolguard_build_info, a gauge of 1 whose labels
// name the running build, to reg: join on it to see which version each
// instance runs, e.g. `count by (version) (poolguard_build_info)`.
func RegisterBuildInfo(reg prometheus.Registerer, b buildinfo.Info) {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "poolguard_build_info",
		Help:        "A metric with a constant 1 value labelled by the version, VCS revision and Go version poolguard was built from.",
		ConstLabels: prometheus.Labels{"version": b.Version, "revision": b.Revision, "goversion": b.GoVersion},
	})
	g.Set(1)
	reg.MustRegister(g)
}
