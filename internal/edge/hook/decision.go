package hook

import (
	"fmt"
	"net/http"
	"regexp"
)

// Action is what the hook decided.
type Action string

// The actions a hook may answer.
const (
	Allow     Action = "allow"
	Block     Action = "block"
	Captcha   Action = "captcha"
	Challenge Action = "challenge"
	Count     Action = "count"
)

// Failure names why a call produced no answer; "" when the hook answered.
type Failure string

// The failures, as counted and labelled.
const (
	// FailTimeout: no answer within the timeout.
	FailTimeout Failure = "timeout"
	// FailUnavailable: the hook could not be reached (refused, reset, DNS).
	FailUnavailable Failure = "unavailable"
	// FailStatus: the hook answered with a status other than 200.
	FailStatus Failure = "bad_status"
	// FailResponse: the hook's body is not a valid Answer.
	FailResponse Failure = "bad_response"
	// FailOverloaded: max_concurrency calls were already in flight.
	FailOverloaded Failure = "overloaded"
	// FailCanceled: the client went away before the hook answered.
	FailCanceled Failure = "canceled"
)

// LabelPrefix namespaces the labels a hook adds: a hook label "risk:high"
// is recorded as "poolguard:hook:risk:high". Failures add
// LabelPrefix+"error:<failure>".
const LabelPrefix = "poolguard:hook:"

// RuleID is the terminating rule id recorded when the hook blocks,
// challenges or counts a request.
const RuleID = "PoolguardDecisionHook"

// Decision is what the proxy does with a request after asking the hook. The
// zero value allows.
type Decision struct {
	// Action is what to do.
	Action Action
	// Status, ErrorType and Message shape a Block answer.
	Status    int
	ErrorType string
	Message   string
	// Labels are fully-qualified labels to add to the request's.
	Labels []string
	// Failure is why the hook did not decide; Action is then on_error's.
	Failure Failure
}

// Error is a failed call: why, and the underlying error for the log.
type Error struct {
	Failure Failure
	Err     error
}

// Error returns "decision hook: <failure>: <err>".
func (e *Error) Error() string { return fmt.Sprintf("decision hook: %s: %v", e.Failure, e.Err) }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Bounds on an Answer.
const (
	maxLabels     = 16
	maxMessageLen = 512
)

var (
	labelRe     = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,128}$`)
	errorTypeRe = regexp.MustCompile(`^[A-Z][A-Za-z]{2,63}$`)
)

// decision checks a and turns it into a Decision.
func (a *Answer) decision() (Decision, error) {
	d := Decision{Action: Action(a.Action)}
	switch d.Action {
	case Allow, Captcha, Challenge, Count:
	case Block:
		d.Status, d.ErrorType, d.Message = http.StatusForbidden, "ForbiddenException", "Request blocked by the decision hook."
		if a.Status != 0 {
			if a.Status < 400 || a.Status > 599 {
				return Decision{}, fmt.Errorf("status %d is outside 400..599", a.Status)
			}
			d.Status = a.Status
		}
		if a.ErrorType != "" {
			if !errorTypeRe.MatchString(a.ErrorType) {
				return Decision{}, fmt.Errorf("error_type %q is not a Cognito error type", a.ErrorType)
			}
			d.ErrorType = a.ErrorType
		}
		if a.Message != "" {
			if len(a.Message) > maxMessageLen {
				return Decision{}, fmt.Errorf("message longer than %d bytes", maxMessageLen)
			}
			d.Message = a.Message
		}
	default:
		return Decision{}, fmt.Errorf("unknown action %q", a.Action)
	}
	if len(a.Labels) > maxLabels {
		return Decision{}, fmt.Errorf("%d labels, at most %d", len(a.Labels), maxLabels)
	}
	for _, l := range a.Labels {
		if !labelRe.MatchString(l) {
			return Decision{}, fmt.Errorf("label %q: use letters, digits and _.:-, at most 128", l)
		}
		d.Labels = append(d.Labels, LabelPrefix+l)
	}
	return d, nil
}
