package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/poolguard/poolguard/internal/edge/request"
)

// TestHygieneCounts: each check's decision is counted by check and result;
// a request without a check counts nothing.
func TestHygieneCounts(t *testing.T) {
	m, _ := newTest(t, Options{})
	a := out("SignUp", allow(), t0)
	a.View.Hygiene = request.Hygiene{Password: "refused", Phone: "premium-rate", Email: "disposable"}
	b := out("SignUp", allow(), t0)
	b.View.Hygiene = request.Hygiene{Password: "clean", Phone: "premium-rate"}
	m.Observe(a)
	m.Observe(b)
	m.Observe(out("InitiateAuth", allow(), t0))
	for _, tc := range []struct {
		check, result string
		want          float64
	}{
		{"password", "refused", 1}, {"password", "clean", 1}, {"phone", "premium-rate", 2}, {"email", "disposable", 1},
	} {
		if got := testutil.ToFloat64(m.hygiene.WithLabelValues(tc.check, tc.result)); got != tc.want {
			t.Errorf("%s %s = %v, want %v", tc.check, tc.result, got, tc.want)
		}
	}
	if n := testutil.CollectAndCount(m.hygiene); n != 4 {
		t.Errorf("%d series, want 4", n)
	}
}
