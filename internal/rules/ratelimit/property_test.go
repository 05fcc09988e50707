package ratelimit_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/ratelimittest"
)

// TestMemoryAgainstOracle drives random streams (steady, Poisson, bursts;
// several keys; rates from half to twice the limit) through a Memory store
// for every AWS window and several limits, and checks every decision against
// the exact oracle with ratelimittest.Check.
func TestMemoryAgainstOracle(t *testing.T) {
	windows := []time.Duration{60 * time.Second, 120 * time.Second, 300 * time.Second, 600 * time.Second}
	limits := []int64{10, 11, 100, 101, 250, 1000, 4000}
	if testing.Short() {
		limits = []int64{10, 101, 1000}
	}
	shapes := []ratelimittest.Shape{ratelimittest.Steady, ratelimittest.Poisson, ratelimittest.Bursts}
	rng := rand.New(rand.NewPCG(7, 11))
	var total ratelimittest.Report
	for _, w := range windows {
		for _, l := range limits {
			for _, shape := range shapes {
				name := fmt.Sprintf("%v/limit%d/%v", w, l, shape)
				t.Run(name, func(t *testing.T) {
					var streams [][]ratelimittest.Arrival
					for k := range 3 {
						rate := float64(l) / w.Seconds() * (0.5 + 1.5*rng.Float64())
						streams = append(streams, ratelimittest.Stream(rng, shape, fmt.Sprint("k", k), ratelimittest.T0, 4*w, rate))
					}
					rep := ratelimittest.Check(t, ratelimit.NewMemory(), ratelimittest.Merge(streams...), func(a ratelimittest.Arrival) []ratelimit.Hit {
						return []ratelimit.Hit{{Rule: "r", Key: []byte(a.Key), Limit: l, Window: w, Terminating: true}}
					})
					if rep.MaxOvercountShare >= 0.01 {
						t.Errorf("overcount %.4f of the limit, want < 1%%", rep.MaxOvercountShare)
					}
					total.Decisions += rep.Decisions
					total.FalseBlocks += rep.FalseBlocks
					total.FalseAdmits += rep.FalseAdmits
					total.MaxOvercountShare = max(total.MaxOvercountShare, rep.MaxOvercountShare)
				})
			}
		}
	}
	t.Logf("%d decisions: %d false blocks (%.4f%%), %d false admits, max overcount %.3f%% of the limit",
		total.Decisions, total.FalseBlocks, 100*float64(total.FalseBlocks)/float64(max(total.Decisions, 1)),
		total.FalseAdmits, 100*total.MaxOvercountShare)
}

// TestMemoryLimitChange checks decisions stay safe when a rule's limit
// changes while keys are heavy. After a limit increase a saturated key may
// be undercounted for one window (the marks it dropped are gone); the
// count must be a bound again once that window has passed.
func TestMemoryLimitChange(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	w := time.Minute
	a := ratelimittest.Stream(rng, ratelimittest.Poisson, "k", ratelimittest.T0, 4*w, 600.0/60)
	s := ratelimit.NewMemory()
	limit := func(at time.Time) int64 {
		switch d := at.Sub(ratelimittest.T0); {
		case d < w:
			return 500
		case d < 2*w:
			return 20000 // needs more marks: groups merge
		default:
			return 150
		}
	}
	var falseAdmits int
	o := ratelimittest.NewOracle()
	got := make([]ratelimit.Result, 1)
	want := make([]ratelimit.Result, 1)
	for _, x := range a {
		hits := []ratelimit.Hit{{Rule: "r", Key: []byte(x.Key), Limit: limit(x.At), Window: w}}
		if err := s.Decide(t.Context(), x.At, hits, got); err != nil {
			t.Fatal(err)
		}
		o.Decide(x.At, hits, want)
		if want[0].Over && !got[0].Over {
			falseAdmits++
		}
		settled := x.At.Sub(ratelimittest.T0) < w || x.At.Sub(ratelimittest.T0) >= 3*w
		if settled && got[0].Count < want[0].Count && got[0].Count <= hits[0].Limit {
			t.Fatalf("at %v: count %d below exact %d", x.At, got[0].Count, want[0].Count)
		}
	}
	if falseAdmits > 0 {
		t.Fatalf("%d requests admitted over the limit", falseAdmits)
	}
}
