package waf

import (
	"context"
	"sync"
	"testing"
)

// TestConcurrentEvaluate evaluates one Engine from many goroutines (run
// with -race): verdicts are per caller and the engine is read-only.
func TestConcurrentEvaluate(t *testing.T) {
	e, err := New(readFile(t, "testdata/conformance/published_allowlist/rules.json"), Options{
		RegexPatternSets: map[string][]string{"cognito-block-all-public-api-calls": {"^AWSCognitoIdentityProviderService.InitiateAuth$"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			target := "AWSCognitoIdentityProviderService.InitiateAuth"
			want := ActionAllow
			if g%2 == 1 {
				target, want = "AWSCognitoIdentityProviderService.SignUp", ActionBlock
			}
			v := (&testRequest{Headers: hdrs("X-Amz-Target", target)}).view()
			var out Verdict
			for range 500 {
				if err := e.Evaluate(context.Background(), testStart, v, &out); err != nil {
					t.Error(err)
					return
				}
				if out.Action != want || len(out.NonTerminating) != 1 {
					t.Errorf("goroutine %d: %s, %d counts", g, out.Action, len(out.NonTerminating))
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestVerdictReuseKeepsCapacity(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items on purpose under the race detector")
	}
	e := benchEngine(t, cheapStore{})
	v := initiateAuthView()
	var out Verdict
	allocs := testing.AllocsPerRun(100, func() {
		if err := e.Evaluate(context.Background(), testStart, v, &out); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("steady-state Evaluate allocates %v times", allocs)
	}
}
