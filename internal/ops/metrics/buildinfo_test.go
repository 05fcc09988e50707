package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/poolguard/poolguard/internal/ops/buildinfo"
)

func TestBuildInfo(t *testing.T) {
	m, _ := newTest(t, Options{})
	RegisterBuildInfo(m.Registry(), buildinfo.Info{Version: "v1.2.3", Revision: "abc", GoVersion: "go1.26.8"})
	want := `
# HELP poolguard_build_info A metric with a constant 1 value labelled by the version, VCS revision and Go version poolguard was built from.
# TYPE poolguard_build_info gauge
poolguard_build_info{goversion="go1.26.8",revision="abc",version="v1.2.3"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "poolguard_build_info"); err != nil {
		t.Error(err)
	}
}
