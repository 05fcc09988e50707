package hostedui

import (
	"net/http"
	"sync"
	"testing"

	"github.com/poolguard/poolguard/internal/ops/observe"
)

// outcomes records what the handler reports.
type outcomes struct {
	mu   sync.Mutex
	seen []observe.Outcome
}

func (o *outcomes) Observe(out *observe.Outcome) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, *out)
}

// Hosted UI requests reach the WAF log and metrics like API calls do.
func TestRequestsAreReported(t *testing.T) {
	obs := &outcomes{}
	e := startEnv(t, func(c *Config) { c.Observer = obs })
	req, _ := http.NewRequest(http.MethodGet, e.proxy.URL+"/login?client_id=x", nil)
	resp, _ := do(t, req)
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.seen) != 1 {
		t.Fatalf("%d outcomes reported", len(obs.seen))
	}
	o := obs.seen[0]
	if o.Status != resp.StatusCode || !o.Forwarded || o.View == nil || o.View.Path != "/login" {
		t.Fatalf("outcome %+v for a %d answer", o, resp.StatusCode)
	}
}
