package challenge

import (
	"crypto/sha256"
	"strconv"
	"strings"
	"testing"
)

// zeroBits counts the leading zero bits of b one bit at a time: the test's
// own oracle, independent of leadingZeros.
func zeroBits(b []byte) int {
	for i := 0; i < len(b)*8; i++ {
		if b[i/8]&(0x80>>(i%8)) != 0 {
			return i
		}
	}
	return len(b) * 8
}

// unsolvedCounter returns the first numeric counter that does NOT solve
// text at nbits, by the test's own oracle.
func unsolvedCounter(t *testing.T, text string, nbits int) string {
	t.Helper()
	for n := 0; n < 1000; n++ {
		c := strconv.Itoa(n)
		sum := sha256.Sum256([]byte(text + ":" + c))
		if zeroBits(sum[:]) < nbits {
			return c
		}
	}
	t.Fatal("no unsolved counter among the first 1000")
	return ""
}

func TestLeadingZeros(t *testing.T) {
	for _, tt := range []struct {
		in   []byte
		want int
	}{
		{nil, 0},
		{[]byte{0xff}, 0},
		{[]byte{0x80, 0}, 0},
		{[]byte{0x7f}, 1},
		{[]byte{0x01}, 7},
		{[]byte{0x00, 0x80}, 8},
		{[]byte{0x00, 0x01}, 15},
		{[]byte{0x00, 0x00, 0x20}, 18},
		{[]byte{0x00, 0x00}, 16},
	} {
		if got := leadingZeros(tt.in); got != tt.want {
			t.Errorf("leadingZeros(%x) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// TestSolvedChecksTheWork: a counter solves a puzzle exactly when the hash
// has at least the required leading zero bits; any other numeric counter
// is refused, so a client cannot skip the work.
func TestSolvedChecksTheWork(t *testing.T) {
	text := "puzzle-text.sig"
	checked := 0
	for n := 0; n < 300; n++ {
		c := strconv.Itoa(n)
		sum := sha256.Sum256([]byte(text + ":" + c))
		z := zeroBits(sum[:])
		for _, nbits := range []int{z, z + 1} {
			if got, want := solved(text, c, nbits), z >= nbits; got != want {
				t.Fatalf("solved(%q, %q, %d) = %v, want %v (hash has %d zero bits)", text, c, nbits, got, want, z)
			}
			checked++
		}
	}
	c := unsolvedCounter(t, text, 8)
	if solved(text, c, 8) {
		t.Errorf("numeric counter %s accepted without the work", c)
	}
	if got := Solve(text, 8); !solved(text, got, 8) {
		t.Errorf("Solve returned %s, which does not solve", got)
	}
	for _, c := range []string{"", "-1", "+1", "1e3", " 1", strings.Repeat("9", 21), "18446744073709551616"} {
		if solved(text, c, 0) {
			t.Errorf("counter %q accepted: only decimal uint64 counters are", c)
		}
	}
}
