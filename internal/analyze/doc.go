// Package analyze implements `poolguard analyze`: streaming analyses of
// AWS-WAF-format logs (poolguard's own, or AWS WAF's) that reproduce the
// seed documents' Athena queries without an AWS account.
//
//   - peak-rates: the top source IPs per action category by requests in
//     one time bin (seed 001's query);
//   - recommend: rate limits for the cognito-categories preset from those
//     peaks, with headroom;
//   - top-callers: source IPs by requests to one operation (seed 000);
//   - errors: source IPs with the most upstream and proxy errors.
//
// Files are read once, line by line, plain or gzip (detected by magic
// bytes). Lines are not decoded with encoding/json: a small scanner walks
// each record, descends only into httpRequest, labels and poolguard, and
// skips everything else, so analysis runs at several hundred MB/s per core.
package analyze
