// Package analyze implements `poolguard analyze`: streaming analyses of
// AWS-WAF-format logs (poolguard's own, or AWS WAF's) that reproduce the
// Athena queries of AWS's articles on protecting Cognito without an AWS account.
//
//   - peak-rates: the top source IPs per action category by requests in
//     one time bin (the query of AWS's article "Protect your Amazon Cognito user pool with AWS WAF");
//   - recommend: rate limits for the cognito-categories preset from those
//     peaks, with headroom;
//   - top-callers: source IPs by requests to one operation (the CloudFront proxy article's query);
//   - errors: source IPs with the most upstream and proxy errors;
//   - operations: the Cognito operations called and each app client's
//     AuthFlow values; with --emit allowlist, the cognito-allowlist preset
//     that blocks every other operation;
//   - bypass: CloudTrail's Cognito calls that did not pass the proxy.
//
// Every command reads WAF logs and CloudTrail logs (the Records files
// CloudTrail delivers to S3, or one event per line), the format detected
// per file. Files are read once, line by line, plain or gzip (detected by
// magic bytes); a CloudTrail file, a few MB at most, is read whole. Lines are not decoded with encoding/json: a small scanner walks
// each record, descends only into httpRequest, labels and poolguard, and
// skips everything else, so analysis runs at several hundred MB/s per core.
package analyze
