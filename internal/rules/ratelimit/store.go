package ratelimit

import (
	"context"
	"time"
)

// Hit is one rate-based rule's view of one request.
type Hit struct {
	// Rule identifies the rule (and its key definition) within the web ACL;
	// counters are kept per (Rule, Key).
	Rule string
	// Key is the aggregation key value (for example the client IP, or the
	// concatenated custom keys). The store may keep only a keyed hash of it.
	Key []byte
	// Limit is the maximum number of requests allowed in Window.
	Limit int64
	// Window is the evaluation window (60, 120, 300 or 600 s).
	Window time.Duration
	// Terminating reports whether the rule's action ends evaluation when the
	// key is over its limit (Block, Captcha, Challenge). When it is true and
	// the key is over, the store neither counts nor decides the remaining
	// hits of the batch, as AWS WAF would never have evaluated those rules.
	Terminating bool
}

// Result is the store's decision for one Hit.
type Result struct {
	// Counted reports whether the request was counted for this hit (false
	// for hits after a terminating over-limit hit in the same batch).
	Counted bool
	// Count is the number of requests for the key in the trailing window,
	// this one included (an estimate for approximate stores).
	Count int64
	// Over reports whether Count exceeds the hit's Limit.
	Over bool
}

// Store decides rate-based rules.
//
// Implementations must be safe for concurrent use.
type Store interface {
	// Decide counts one request at time now for each hit, in order, and
	// writes the decision for hits[i] to results[i]. len(results) must be at
	// least len(hits). An error means the store could not decide; results
	// are then undefined.
	Decide(ctx context.Context, now time.Time, hits []Hit, results []Result) error
}
