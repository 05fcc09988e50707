package challenge

import (
	"strings"
	"testing"
	"time"
)

// TestPuzzleLifetimeBounds: a puzzle is answerable from its issue time
// (up to 60 s of clock skew between replicas earlier) to puzzleTTL after
// it, both ends included, and not one second beyond either end.
func TestPuzzleLifetimeBounds(t *testing.T) {
	for _, tt := range []struct {
		name string
		at   time.Duration // answer time after the issue time
		ok   bool
	}{
		{"at once", 0, true},
		// Literal durations: the test states the five minutes, not
		// whatever puzzleTTL says.
		{"last second", 5 * time.Minute, true},
		{"one second late", 5*time.Minute + time.Second, false},
		{"issued 60 s ahead (replica clock skew)", -60 * time.Second, true},
		{"issued 61 s ahead", -61 * time.Second, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			vr := h.solveChallenge(t, "192.0.2.10")
			h.now = t0.Add(tt.at)
			w := h.do("POST", Prefix+"/verify", "192.0.2.10", vr)
			if got := w.Code == 200; got != tt.ok {
				t.Errorf("answered %v after issue: %d %s", tt.at, w.Code, w.Body)
			}
		})
	}
}

// TestDifficultyBounds: New accepts 1 to 32 bits (0 means the default)
// and refuses anything else.
func TestDifficultyBounds(t *testing.T) {
	for d, ok := range map[int]bool{-1: false, 0: true, 1: true, 32: true, 33: false} {
		s, err := New(Config{Key: testKey, Difficulty: d})
		if (err == nil) != ok {
			t.Errorf("difficulty %d: err %v", d, err)
		}
		if d == 0 && s != nil && s.cfg.Difficulty != DefaultDifficulty {
			t.Errorf("difficulty 0 became %d, want the default", s.cfg.Difficulty)
		}
	}
	if _, err := New(Config{Key: testKey[:MinKeyLen-1]}); err == nil {
		t.Error("a 31-byte key accepted")
	}
	if _, err := New(Config{Key: testKey[:MinKeyLen]}); err != nil {
		t.Errorf("a 32-byte key refused: %v", err)
	}
}

// TestCounterAndAnswerLengths: the longest uint64 counter (20 digits) is
// read; a CAPTCHA answer is at most 16 characters.
func TestCounterAndAnswerLengths(t *testing.T) {
	if !solved("text", "18446744073709551615", 0) {
		t.Error("a 20-digit counter refused")
	}
	p := &Puzzle{Key: testKey}
	nonce := []byte("0123456789abcdef")
	for _, code := range []string{"1", strings.Repeat("7", 16)} {
		state := mac(testKey, "puzzle-answer", string(nonce)+"\x00"+code)
		if ok, _ := p.Verify(t.Context(), nonce, state, code, ""); !ok {
			t.Errorf("right answer %q refused", code)
		}
	}
	long := strings.Repeat("7", 17)
	state := mac(testKey, "puzzle-answer", string(nonce)+"\x00"+long)
	if ok, _ := p.Verify(t.Context(), nonce, state, long, ""); ok {
		t.Error("a 17-character answer accepted")
	}
}
