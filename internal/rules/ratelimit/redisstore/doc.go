// Package redisstore keeps the counters of rate-based rules in Redis (6 or
// later, or Valkey), standalone or Cluster, so that several proxy replicas
// enforce one limit.
//
// # One round trip per request
//
// [Store.Decide] runs one Lua script (EVALSHA, falling back to EVAL when the
// server answers NOSCRIPT, as go-redis's Script does) that processes the
// request's hits in order and stops after a terminating over-limit hit,
// exactly as [ratelimit.Store] specifies. The request's time is an argument
// of the script; Redis's own clock is used only for key expiry.
//
// # Keys
//
// A hit's counter lives at
//
//	<key_prefix>rl:{<tag>}:<rule>
//
// where tag is the hex of the first 12 bytes of SHA-256 of the aggregation
// key: the raw key (a client IP, a user name) is never written to Redis.
// The tag is a Cluster hash tag, so every rule counting the same key keeps
// its counter in one slot. In standalone mode a request's hits always go in
// one script call. In Cluster mode consecutive hits with the same key go in
// one call, and a request whose rules aggregate on different keys (IP and
// IP+username, say) costs one round trip per run of equal keys, still in
// order and still stopping after a terminating over-limit hit. key_prefix
// must not contain braces. A key expires (PEXPIRE) one second after its
// window would have emptied, so idle keys cost nothing.
//
// # Estimator
//
// The script keeps the in-memory store's estimator (see package ratelimit):
// the exact times of the last 11 arrivals while a key is light, and for a
// heavier key up to 101 marks of groups of ceil(Limit/100) arrivals, stored
// as one MessagePack array of millisecond ticks (cmsgpack, built into Redis's
// and Valkey's Lua). Counts and decisions therefore obey
// the same bound: exact while a key has at most 11 arrivals in its window,
// never admitting a request that an exact sliding window would block, and
// over-counting by at most ceil(Limit/100)-1. A key costs at most about
// 1 KB in Redis (about 100 bytes plus the per-key overhead while light).
//
// Counters are shared; the list of over-limit keys ([Store.OverKeys]) is the
// replica's own view of the keys it found over, because the raw keys never
// leave the process.
//
// # Failures
//
// [Guard] puts one circuit breaker per Redis node (per Cluster master, one
// for a standalone or Sentinel-managed server) in front of the Store. A
// decision waits at most the budget ([DefaultBudget], 50 ms); a failure or
// timeout opens the node's circuit at once, and the node's keys are then
// decided by the policy without touching Redis: FailOpen counts locally
// against limit ÷ live replicas ([Heartbeat]) and keeps keys already seen
// over their shared limit over; FailClosed returns an error wrapping
// [ErrUnavailable]. Background probes reload the Cluster slot map and close
// the circuit when the node answers or its slots have moved (a failover).
// Hits counted locally are then added to the shared counters, in the key's
// next script call or by the probe.
package redisstore
