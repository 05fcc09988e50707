package ratelimit_test

import (
	"testing"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/ratelimittest"
)

func TestMemoryConformance(t *testing.T) {
	ratelimittest.Conformance(t, func() ratelimit.Store { return ratelimit.NewMemory() })
}
