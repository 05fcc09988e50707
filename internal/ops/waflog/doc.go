// Package waflog writes one JSON record per finished request in AWS WAF's
// log format, so that AWS's Athena DDL for WAF logs, the AWS Security Blog articles' queries and
// any tool that reads AWS WAF logs read poolguard's logs unchanged.
//
// An Encoder turns an observe.Outcome into a record with AWS's field names,
// types and nesting (see docs/athena.md), plus a "poolguard" object for what
// the proxy knows and AWS does not (the Cognito operation, the app client
// id, the upstream status and latency). Header names are written in lower
// case, as AWS logs HTTP/2 requests and as those queries expect
// ('x-amz-target').
//
// Redaction is by construction: only headers on an allow list are logged
// (DefaultHeaders unless configured), headers that carry credentials can
// never be allowed (NewEncoder refuses them), the body is never read, and
// query parameters and Referer parameters whose names suggest a secret have
// their values replaced by "REDACTED".
//
// A Logger encodes on the request's goroutine into a pooled buffer and hands
// the line to a background writer through a bounded queue. When the queue
// is full the record is dropped and counted (Dropped); Observe never
// blocks. Close flushes what is queued.
package waflog
