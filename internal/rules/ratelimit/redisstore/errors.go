package redisstore

import (
	"errors"
	"fmt"
)

// ErrUnavailable is wrapped by the errors of a Store or Guard that could not
// decide because Redis did not answer. Under the FailClosed policy the proxy
// refuses such a request; test with errors.Is.
var ErrUnavailable = errors.New("redisstore: redis unavailable")

func unavailable(err error) error {
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}
