// Package observe defines what the proxy reports about each request it
// finished, for the WAF log and the metrics. Observers run on the request's
// goroutine after the response is written, so they must not block: a slow
// sink buffers and drops (and counts the drop) rather than wait.
package observe

import (
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/outcome"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// Outcome is everything the proxy knows about one finished request.
//
// An Outcome and everything it points to are valid only during Observe:
// the proxy reuses them afterwards. Observers copy what they keep.
type Outcome struct {
	// Start is when the proxy began reading the request.
	Start time.Time
	// View is the parsed request. Its Body is the body as the client sent it
	// and holds passwords and tokens: observers must never record it whole.
	View *request.View
	// Verdict is the web ACL's decision; nil when the request never reached
	// the web ACL (e.g. a body over the limit).
	Verdict *waf.Verdict
	// WebACLName is the name of the web ACL that decided.
	WebACLName string
	// UserPoolID is the user pool of the request's app client, if known.
	UserPoolID string
	// Status is the HTTP status sent to the client.
	Status int
	// ErrorType is the Cognito error type the proxy itself answered (e.g.
	// "ForbiddenException"), or "" when the upstream answered.
	ErrorType string
	// Forwarded reports whether the request was sent upstream.
	Forwarded bool
	// UpstreamOperation is the operation sent upstream (it differs from
	// View.Operation when the proxy rewrote the call).
	UpstreamOperation string
	// UpstreamStatus is the upstream's HTTP status; 0 if none answered.
	UpstreamStatus int
	// UpstreamErrorType is the upstream's x-amzn-ErrorType without its
	// trailing colon, or "".
	UpstreamErrorType string
	// UpstreamLatency is the time from sending upstream to the response
	// headers; 0 if not forwarded.
	UpstreamLatency time.Duration
	// Duration is the total time the proxy spent on the request.
	Duration time.Duration
	// InsertedHeaders are the headers the web ACL added upstream.
	InsertedHeaders []waf.HeaderField
	// StoreError reports that the rate store failed and the request was
	// decided without it.
	StoreError bool
	// StoreFallback reports that the shared rate store was unreachable and
	// rate rules were decided on this replica's own counters (fail_open).
	StoreFallback bool
	// HookAction is the decision hook's action (allow, block, captcha,
	// challenge, count), on_error's when it failed; "" when not asked.
	HookAction string
	// HookFailure is why the decision hook did not decide (timeout,
	// unavailable, bad_status, bad_response, overloaded, canceled), or "".
	HookFailure string
	// Tracking is the attack-protection tracker's state for the request
	// (the labels it added, the counts they came from and the classified
	// answer); nil when the tracker does not count the request's operation.
	Tracking *outcome.Exchange
}

// Observer receives finished requests.
type Observer interface {
	// Observe records o. It must not block and must not keep o.
	Observe(o *Outcome)
}

// Observers fans an Outcome out to several observers in order.
type Observers []Observer

// Observe calls every observer.
func (os Observers) Observe(o *Outcome) {
	for _, ob := range os {
		ob.Observe(o)
	}
}
