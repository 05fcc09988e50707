package adminapi

import (
	"errors"
	"net/http"
)

// Error is what a caller sees of a failed request. Err, if set, is the
// cause for logs and is not sent.
type Error struct {
	Status  int              `json:"-"`
	Code    string           `json:"code"`
	Message string           `json:"message"`
	Invalid []InvalidAddress `json:"invalid,omitempty"`
	// KnownSets lists the IP sets that may be changed, when the request
	// named another.
	KnownSets []string `json:"known_sets,omitempty"`
	Err       error    `json:"-"`
}

// InvalidAddress names one address a request could not parse.
type InvalidAddress struct {
	Index   int    `json:"index"`
	Address string `json:"address"`
	Reason  string `json:"reason"`
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// asError turns any error into an *Error; unknown ones are internal.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Status: http.StatusInternalServerError, Code: "InternalError", Message: err.Error(), Err: err}
}

func badRequest(code, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: msg}
}
