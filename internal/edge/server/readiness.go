package server

import "github.com/poolguard/poolguard/internal/rules/ratelimit/redisstore"

// RateStoreReadiness reports the shared rate store's state for /healthz:
// under fail_closed a Redis outage makes the replica unready (it refuses
// requests anyway); under fail_open it stays ready and says it is deciding
// rate limits on its own counters.
func RateStoreReadiness(g *redisstore.Guard) (ready bool, detail string) {
	if !g.Degraded() {
		return true, ""
	}
	if g.Policy() == redisstore.FailClosed {
		return false, "rate store unreachable (fail_closed)"
	}
	return true, "rate store unreachable: rate limits on this replica's counters (fail_open)"
}
