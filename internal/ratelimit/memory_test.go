package ratelimit_test

import (
	"testing"

	"github.com/poolguard/poolguard/internal/ratelimit"
	"github.com/poolguard/poolguard/internal/ratelimit/ratelimittest"
)

func TestMemoryConformance(t *testing.T) {
	ratelimittest.Conformance(t, func() ratelimit.Store { return ratelimit.NewMemory() })
}
