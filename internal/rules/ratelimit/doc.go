// Package ratelimit counts requests for AWS WAF rate-based rules.
//
// A Store decides, for each rate-based rule a request reaches, whether the
// request's aggregation key is over the rule's limit in the trailing
// evaluation window. All the rate-based rules a request reaches are decided
// in one call, so that a shared (Redis) store needs one round trip per
// request. Time is passed in; stores never read the clock.
//
// # The in-memory store
//
// [Memory] keeps, per (rule, key), a small record in one of 256 shards. Each
// shard is an open-addressing hash table (linear probing, backward-shift
// deletion) of fixed 64-byte slots guarded by its own mutex, so concurrent
// requests for different keys rarely contend. A slot holds a 64-bit keyed
// hash of the rule name and the key (hash/maphash with a random per-store
// seed), never the key itself.
//
// # Estimator
//
// Arrival times are kept as millisecond ticks. An arrival is recorded with
// its time rounded up and the window is evaluated from the current time
// rounded down, so a recorded arrival is in the window if it is in the exact
// window (now-Window, now] and may be counted for at most 2 ms longer.
//
// A key starts light: its slot keeps the exact times of its last 11
// arrivals. As long as a key has at most 11 arrivals in its window its count
// is exact. For limits of at most 10 this stays exact for ever, because a
// full ring of 11 arrivals inside the window already proves the key is over.
//
// A key that needs more becomes heavy and gets a side record of up to 101
// marks. Arrivals are grouped in arrival order into groups of
// g = ceil(Limit/100); a mark is the time of the last arrival of a complete
// group, and the current incomplete group is held as a count plus the time of
// its latest arrival. The estimate is
//
//	g * (marks in the window) + (incomplete group, if its latest arrival is in the window)
//
// A group is counted whole while its latest arrival is in the window, so the
// estimate never counts less than the exact count. Only the oldest counted
// group can be partly outside the window, so it counts at most g-1 too many.
// The record keeps the newest M = ceil((Limit+1)/g) marks and drops older
// ones: while all M are in the window the estimate is at least Limit+1 (the
// decision, Over, is exact), and once the oldest kept mark leaves the window
// every dropped one has left it already.
//
// The resulting bound, for every request (ms-aligned times; add the 2 ms of
// rounding otherwise):
//
//	exact <= Count <= exact + ceil(Limit/100) - 1   (Count <= Limit+1 region)
//	exact > Limit  =>  Over                          (no admitted request is over)
//	Over  =>  exact > Limit - ceil(Limit/100) + 1   (false blocks only within 1% below the limit)
//
// When the record saturates (a flood far above the limit) Count is a lower
// bound that is still above Limit. So the store never admits a request that
// an exact sliding window would block, and blocks a request that an exact
// window would admit only when the key is within 1% of its limit. If a rule's
// Limit changes while a key is heavy, the key keeps its group size (merging
// groups pairwise if the new limit needs more marks) until it goes idle; the
// bound then holds with the larger group size.
//
// # Memory
//
// A light key costs one 64-byte slot; tables grow by 1.5x at 80% load, so a
// key costs 64/load bytes, about 80 to 120 bytes. A heavy key costs another
// 424 bytes while it is heavy; it returns to light once its window is empty.
// A key idle for longer than its window is worth nothing: it is reset when
// next seen, purged when its shard would grow, and removed by [Memory.Sweep],
// which the owner should call periodically (for example once a minute).
//
// # Over keys
//
// The raw key of a key that is Over is kept, so that operators can list the
// rate-limited keys of a rule ([Memory.OverKeys]). At most 16 keys per rule
// and 64 keys in all are kept per shard (4096 per rule, 16384 in all); when
// full, a stale record, else the one with the smallest count (of equal
// counts, the one listed longest), gives way to a heavier new key.
package ratelimit
