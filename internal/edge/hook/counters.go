package hook

import "sync/atomic"

// Counters count a hook's calls, decisions and failures. They outlive
// reloads: every Hook built with the same Counters adds to them. The zero
// value is ready to use and safe for concurrent use.
type Counters struct {
	calls     atomic.Uint64
	decisions [5]atomic.Uint64
	failures  [6]atomic.Uint64
}

// Stats is a snapshot of Counters, for the metrics package.
type Stats struct {
	// Calls counts requests sent to the hook (not those refused by the
	// concurrency limit).
	Calls uint64
	// Decisions counts decisions by action, on_error decisions included.
	Decisions map[Action]uint64
	// Failures counts calls that produced no answer, by reason.
	Failures map[Failure]uint64
}

var (
	actions  = [...]Action{Allow, Block, Captcha, Challenge, Count}
	failures = [...]Failure{FailTimeout, FailUnavailable, FailStatus, FailResponse, FailOverloaded, FailCanceled}
)

// Stats returns the current counts.
func (c *Counters) Stats() Stats {
	s := Stats{Calls: c.calls.Load(), Decisions: map[Action]uint64{}, Failures: map[Failure]uint64{}}
	for i, a := range actions {
		s.Decisions[a] = c.decisions[i].Load()
	}
	for i, f := range failures {
		s.Failures[f] = c.failures[i].Load()
	}
	return s
}

func (c *Counters) decided(a Action) {
	for i, x := range actions {
		if x == a {
			c.decisions[i].Add(1)
		}
	}
}

func (c *Counters) failed(f Failure) {
	for i, x := range failures {
		if x == f {
			c.failures[i].Add(1)
		}
	}
}
