package proxy

import "github.com/poolguard/poolguard/internal/cognito"

// newRequestID returns an id in the form of Cognito's x-amzn-RequestId.
func newRequestID() string { return cognito.NewRequestID() }
