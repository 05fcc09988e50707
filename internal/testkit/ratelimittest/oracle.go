// Package ratelimittest holds what every ratelimit.Store must pass: an exact
// sliding-window oracle, random arrival streams, and a conformance suite
// (Conformance) that an in-memory, Redis or any other store runs unchanged.
package ratelimittest

import (
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// Tolerance returns how many requests a store's count may exceed the exact
// trailing-window count by for limit: ceil(limit/100)-1, under 1% of the
// limit (0 for limits up to 100).
func Tolerance(limit int64) int64 {
	return (limit+99)/100 - 1
}

// Oracle is an exact sliding-window counter with Store's batch semantics.
// It keeps every arrival, so it is for tests only.
//
// The zero value is not usable; use NewOracle. An Oracle is not safe for
// concurrent use.
type Oracle struct {
	arrivals map[oracleKey][]time.Time
}

type oracleKey struct{ rule, key string }

// NewOracle returns an empty oracle.
func NewOracle() *Oracle {
	return &Oracle{arrivals: make(map[oracleKey][]time.Time)}
}

// Decide counts the request at now for each hit in order, exactly as
// Store.Decide specifies, and writes the exact decisions to results.
func (o *Oracle) Decide(now time.Time, hits []ratelimit.Hit, results []ratelimit.Result) {
	stopped := false
	for i, h := range hits {
		if stopped {
			results[i] = ratelimit.Result{}
			continue
		}
		k := oracleKey{h.Rule, string(h.Key)}
		a := append(o.arrivals[k], now)
		start := now.Add(-h.Window)
		j := 0
		for j < len(a) && !a[j].After(start) {
			j++
		}
		a = a[j:]
		o.arrivals[k] = a
		c := int64(len(a))
		results[i] = ratelimit.Result{Counted: true, Count: c, Over: c > h.Limit}
		if c > h.Limit && h.Terminating {
			stopped = true
		}
	}
}
