package outcome_test

import (
	"testing"

	"github.com/poolguard/poolguard/internal/rules/outcome"
	"github.com/poolguard/poolguard/internal/testkit/outcometest"
)

// The memory store passes the store conformance suite (the Redis store
// runs the same one).
func TestMemoryConformance(t *testing.T) {
	outcometest.Conformance(t, func() outcome.Store { return outcome.NewMemory(0) })
}
