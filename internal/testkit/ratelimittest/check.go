package ratelimittest

import (
	"context"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// Report sums up a run against the oracle.
type Report struct {
	// Decisions is the number of hit decisions compared.
	Decisions int
	// FalseBlocks counts decisions Over that the oracle admitted.
	FalseBlocks int
	// FalseAdmits counts decisions not Over that the oracle found over.
	FalseAdmits int
	// MaxOvercount is the largest Count minus exact count seen.
	MaxOvercount int64
	// MaxOvercountShare is the largest overcount as a share of the limit.
	MaxOvercountShare float64
}

// Check runs arrivals through s and an Oracle, with the hits hitsFor
// returns for each arrival, and fails t on any decision outside the bound
// every store must meet:
//
//	exact > Limit          => Over (no admitted request is over its limit)
//	Over                   => exact > Limit - Tolerance(Limit)
//	Count <= exact + Tolerance(Limit)
//	Count >= exact, unless Count > Limit (a saturated lower bound)
//
// Counted must agree with the oracle. Check stops at the first few failures.
func Check(t testing.TB, s ratelimit.Store, arrivals []Arrival, hitsFor func(Arrival) []ratelimit.Hit) Report {
	t.Helper()
	o := NewOracle()
	var rep Report
	var got, want []ratelimit.Result
	failures := 0
	ctx := context.Background()
	for _, a := range arrivals {
		hits := hitsFor(a)
		got = grow(got, len(hits))
		want = grow(want, len(hits))
		if err := s.Decide(ctx, a.At, hits, got); err != nil {
			t.Fatalf("Decide(%v, %q): %v", a.At, a.Key, err)
		}
		o.Decide(a.At, hits, want)
		for i, h := range hits {
			g, w := got[i], want[i]
			if !w.Counted && !g.Counted {
				continue
			}
			rep.Decisions++
			tol := Tolerance(h.Limit)
			if over := g.Count - w.Count; over > rep.MaxOvercount {
				rep.MaxOvercount = over
			}
			if share := float64(g.Count-w.Count) / float64(h.Limit); share > rep.MaxOvercountShare {
				rep.MaxOvercountShare = share
			}
			if g.Over && !w.Over {
				rep.FalseBlocks++
			}
			if !g.Over && w.Over {
				rep.FalseAdmits++
			}
			bad := g.Counted != w.Counted ||
				(w.Over && !g.Over) ||
				(g.Over && w.Count <= h.Limit-tol) ||
				g.Count > w.Count+tol ||
				(g.Count < w.Count && g.Count <= h.Limit)
			if bad {
				failures++
				t.Errorf("at %v key %q rule %q (limit %d, window %v): store %+v, exact %+v (tolerance %d)",
					a.At.Format(time.RFC3339Nano), a.Key, h.Rule, h.Limit, h.Window, g, w, tol)
				if failures >= 5 {
					t.FailNow()
				}
			}
		}
	}
	return rep
}

func grow(r []ratelimit.Result, n int) []ratelimit.Result {
	if cap(r) < n {
		return make([]ratelimit.Result, n)
	}
	return r[:n]
}
