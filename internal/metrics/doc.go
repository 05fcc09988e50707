// Package metrics exposes poolguard's Prometheus metrics on a private
// registry: an observe.Observer that counts every finished request, and an
// http.Handler for /metrics.
//
// Observe is cheap: label children are resolved once (per operation at New,
// per rule and status on first sight, then read lock-free), and it does not
// allocate in the steady state.
//
// Cognito quota utilisation. Cognito throttles each quota category (e.g.
// UserAuthentication, 120 requests per second per account and Region) per
// second. For each category, Metrics keeps the requests forwarded upstream
// in a ring of 60 one-second buckets, updated lock-free, and computes at
// scrape time:
//
//   - poolguard_cognito_forwarded_rps: the average rate over the last minute
//     (the 59 complete seconds and the current partial one), the steady
//     load to alert on;
//   - poolguard_cognito_quota_utilization_ratio: that rate over the quota;
//   - poolguard_cognito_quota_peak_utilization_ratio: the busiest complete
//     second of the last minute over the quota, which shows the bursts that
//     Cognito actually throttles and a one-minute average hides.
//
// The quota is per AWS account and Region while each replica counts only
// its own traffic; with several replicas, sum the rates across replicas
// (deploy/prometheus/poolguard-alerts.yml does).
package metrics
