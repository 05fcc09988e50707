// Package metrics exposes poolguard's Prometheus metrics on a private
// registry: an observe.Observer that counts every finished request, and an
// http.Handler for /metrics.
//
// Observe is cheap: label children are resolved once (per operation at New,
// per rule and status on first sight, then read lock-free), and it does not
// allocate in the steady state.
//
// Rates are counters: Prometheus computes them with rate(), so they sum
// across replicas and survive missed scrapes. The per-request series are
// poolguard_requests_total (operation, category, action),
// poolguard_request_duration_seconds (a histogram by outcome class),
// poolguard_requests_in_flight, poolguard_upstream_errors_total (by the
// Cognito error type, so TooManyRequestsException throttling shows) and
// poolguard_challenge_outcomes_total.
//
// Cognito quota utilisation. Cognito throttles each quota category (e.g.
// UserAuthentication, 120 requests per second per account and Region) per
// second. poolguard_cognito_forwarded_requests_total counts the requests
// forwarded upstream by category and poolguard_cognito_quota_rps is the
// quota, so utilisation is
//
//	sum by (quota) (rate(poolguard_cognito_forwarded_requests_total[1m]))
//	  / on (quota) max by (quota) (poolguard_cognito_quota_rps)
//
// summed across replicas, since the quota is per AWS account and Region
// (deploy/prometheus/poolguard-alerts.yml records it). A rate over a minute
// hides the bursts Cognito actually throttles, so Metrics also keeps the
// forwarded requests in a ring of 60 one-second buckets, updated lock-free,
// and exports poolguard_cognito_quota_peak_utilization_ratio: the busiest
// complete second of the last minute over the quota.
package metrics
