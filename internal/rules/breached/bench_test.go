package breached

import (
	"bufio"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchFilter is a filter of 1,000,000 random hashes plus the known
// passwords.
func benchFilter(b *testing.B) *Filter {
	b.Helper()
	c := newCorpus(1_000_000)
	path := filepath.Join(b.TempDir(), "c.txt")
	c.writeFile(b, path)
	f, _ := build(b, []string{path}, 1)
	return f
}

// BenchmarkLookup: hashing a password and asking the filter (the work the
// proxy adds per checked request), for a breached and a clean password.
func BenchmarkLookup(b *testing.B) {
	f := benchFilter(b)
	for _, pw := range []string{"Passw0rd!", "an unbreached passphrase 7f3a9c"} {
		b.Run(fmt.Sprintf("breached=%v", f.Contains(pw)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f.Contains(pw)
			}
		})
	}
	// The filter alone, over 4,096 different digests (so not one hot cache
	// line), and SHA-1 alone: the corpus is SHA-1, so the hash is fixed.
	digests := newCorpus(0).nonMembers(4096)
	b.Run("filter-only", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			f.ContainsHash(&digests[i&4095])
			i++
		}
	})
	b.Run("sha1-only", func(b *testing.B) {
		pw := []byte("Passw0rd!")
		b.ReportAllocs()
		for b.Loop() {
			sha1.Sum(pw)
		}
	})
}

// BenchmarkBuild10M: `passwords build` over a sorted file of 10,000,000
// "HASH:COUNT" lines (written once, outside the timer); reports bytes per
// entry. Run it alone: go test -run '^$' -bench Build10M -benchtime 1x.
func BenchmarkBuild10M(b *testing.B) {
	const n = 10_000_000
	dir := b.TempDir()
	src := filepath.Join(dir, "pwned.txt")
	f, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(5, 6))
	var h [20]byte
	for range n {
		for i := 0; i < 20; i += 8 {
			v := r.Uint64()
			for j := 0; j < 8 && i+j < 20; j++ {
				h[i+j] = byte(v >> (8 * j))
			}
		}
		fmt.Fprintf(w, "%s:%d\r\n", strings.ToUpper(hex.EncodeToString(h[:])), 1+r.UintN(100))
	}
	w.Flush()
	f.Close()
	out := filepath.Join(dir, "pwned.filter")
	var st Stats
	for b.Loop() {
		if st, err = Build(out, []string{src}, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(st.Bytes)/float64(st.Kept), "bytes/entry")
	b.ReportMetric(float64(st.Bytes*8)/float64(st.Kept), "bits/entry")
}
