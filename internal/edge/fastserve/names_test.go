package fastserve

import (
	"fmt"
	"net/http"
	"testing"
)

// The cache of canonical header names stops growing at maxNames, however
// many names clients invent, and every name is canonicalised as net/http
// does, cached or not, the first time and the next.
func TestCanonicalCacheBound(t *testing.T) {
	names.Clear()
	nameCount.Store(0)
	t.Cleanup(func() { names.Clear(); nameCount.Store(0) })
	for round := range 2 {
		for i := range maxNames + 10 {
			k := fmt.Sprintf("x-invented-%d", i)
			if got, want := canonical([]byte(k)), http.CanonicalHeaderKey(k); got != want {
				t.Fatalf("round %d: canonical(%q) = %q, want %q", round, k, got, want)
			}
		}
	}
	cached := 0
	names.Range(func(_, _ any) bool { cached++; return true })
	if cached != maxNames || nameCount.Load() != maxNames {
		t.Errorf("%d names cached (count %d), want the bound %d", cached, nameCount.Load(), maxNames)
	}
}
