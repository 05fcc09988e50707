package breached

import (
	"bufio"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// corpus is a generated Pwned Passwords corpus: random SHA-1 digests in
// 256 ranges, plus the digests of known passwords, each with a count.
type corpus struct {
	hashes map[[20]byte]uint64
	// known are passwords in the corpus with their counts.
	known map[string]uint64
}

// knownPasswords are in every generated corpus: count 1 for the first,
// higher for the others.
var knownPasswords = map[string]uint64{"password": 9545824, "123456": 37359195, "Passw0rd!": 40000, "correct horse battery staple": 1, "hunter2": 17000}

// newCorpus draws n random digests (deterministically) whose first two
// bytes fall in 256 five-hex-digit ranges, so the range layout has few
// files.
func newCorpus(n int) *corpus {
	r := rand.New(rand.NewPCG(1, 2))
	c := &corpus{hashes: make(map[[20]byte]uint64, n+len(knownPasswords)), known: knownPasswords}
	for len(c.hashes) < n {
		var h [20]byte
		for i := range h {
			h[i] = byte(r.UintN(256))
		}
		h[0], h[1], h[2] = byte(r.UintN(256)), 0xAB, h[2]&0x0F // prefix XXAB0
		c.hashes[h] = 1 + r.Uint64N(20)
	}
	for pw, count := range knownPasswords {
		c.hashes[sha1.Sum([]byte(pw))] = count
	}
	return c
}

// sorted returns the corpus's "HASH:COUNT" lines sorted by hash, as the
// official single-file download has them.
func (c *corpus) sorted() []string {
	lines := make([]string, 0, len(c.hashes))
	for h, n := range c.hashes {
		lines = append(lines, fmt.Sprintf("%s:%d", strings.ToUpper(hex.EncodeToString(h[:])), n))
	}
	slices.Sort(lines)
	return lines
}

// writeFile writes the single-file layout (CRLF line ends, as served).
func (c *corpus) writeFile(t testing.TB, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for _, l := range c.sorted() {
		w.WriteString(l + "\r\n")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// writeRanges writes the range-file layout: one file per first five hex
// digits, named like the official downloader's (some with .txt), lines
// "SUFFIX:COUNT".
func (c *corpus) writeRanges(t testing.TB, dir string) {
	t.Helper()
	files := map[string][]string{}
	for _, l := range c.sorted() {
		files[l[:5]] = append(files[l[:5]], l[5:])
	}
	i := 0
	for prefix, lines := range files {
		name := prefix
		if i%2 == 0 {
			name += ".txt"
		}
		i++
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(lines, "\r\n")+"\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// nonMembers draws n digests that are not in the corpus.
func (c *corpus) nonMembers(n int) [][20]byte {
	r := rand.New(rand.NewPCG(3, 4))
	out := make([][20]byte, 0, n)
	for len(out) < n {
		var h [20]byte
		for i := range h {
			h[i] = byte(r.UintN(256))
		}
		if _, ok := c.hashes[h]; !ok {
			out = append(out, h)
		}
	}
	return out
}

func build(t testing.TB, inputs []string, minCount uint64) (*Filter, Stats) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "pwned.filter")
	st, err := Build(out, inputs, minCount)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	return f, st
}

// TestBuildBothLayouts: 300,000 hashes written in both layouts give
// filters that hold every member, hold the known passwords, refuse
// non-members at about the stated rate (1/256), and take under 10 bits
// per entry.
func TestBuildBothLayouts(t *testing.T) {
	c := newCorpus(300_000)
	dir := t.TempDir()
	single := filepath.Join(dir, "pwned-passwords-sha1-ordered-by-hash.txt")
	c.writeFile(t, single)
	ranges := filepath.Join(dir, "ranges")
	if err := os.Mkdir(ranges, 0o755); err != nil {
		t.Fatal(err)
	}
	c.writeRanges(t, ranges)
	nonMembers := c.nonMembers(200_000)
	for name, input := range map[string]string{"single file": single, "range files": ranges} {
		t.Run(name, func(t *testing.T) {
			f, st := build(t, []string{input}, 1)
			if st.Read != uint64(len(c.hashes)) || st.Kept != st.Read || f.Entries() != st.Kept {
				t.Fatalf("read %d, kept %d, entries %d; want %d", st.Read, st.Kept, f.Entries(), len(c.hashes))
			}
			for h := range c.hashes {
				if !f.ContainsHash(&h) {
					t.Fatalf("member %x missing", h)
				}
			}
			for pw := range c.known {
				if !f.Contains(pw) {
					t.Errorf("known password %q missing", pw)
				}
			}
			fp := 0
			for i := range nonMembers {
				if f.ContainsHash(&nonMembers[i]) {
					fp++
				}
			}
			rate := float64(fp) / float64(len(nonMembers))
			bits := float64(st.Bytes*8) / float64(st.Kept)
			t.Logf("%d entries, %d bytes, %.2f bits/entry, false positives %d/%d = %.4f", st.Kept, st.Bytes, bits, fp, len(nonMembers), rate)
			if rate > 0.006 || rate < 0.002 {
				t.Errorf("false-positive rate %.4f, want about 1/256", rate)
			}
			if bits > 10 {
				t.Errorf("%.2f bits per entry, want at most 10", bits)
			}
		})
	}
}

// TestBuildMinCount: hashes seen fewer than min_count times are left out,
// and the filter records the minimum.
func TestBuildMinCount(t *testing.T) {
	c := newCorpus(50_000)
	path := filepath.Join(t.TempDir(), "corpus.txt")
	c.writeFile(t, path)
	f, st := build(t, []string{path}, 100)
	if f.MinCount() != 100 {
		t.Errorf("MinCount = %d", f.MinCount())
	}
	if st.Kept != uint64(len(c.known)-1) { // every random hash has a count under 21; one known password has count 1
		t.Errorf("kept %d, want %d", st.Kept, len(c.known)-1)
	}
	for pw, n := range c.known {
		if got := f.Contains(pw); got != (n >= 100) {
			t.Errorf("Contains(%q) = %v with count %d", pw, got, n)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.txt", "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:3\nnot-a-hash:1\n")
	short := write("short.txt", "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD:3\n")
	count := write("count.txt", "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:many\n")
	rangeDir := filepath.Join(dir, "ranges")
	os.Mkdir(rangeDir, 0o755)
	os.WriteFile(filepath.Join(rangeDir, "README"), []byte("x"), 0o644)
	empty := write("empty.txt", "")
	for _, tc := range []struct {
		in   string
		want string
	}{
		{bad, "bad.txt:2: not a 40-hex-digit hash"},
		{short, "short.txt:1:"},
		{count, "count.txt:1:"},
		{rangeDir, "README: not a range file"},
		{empty, "no hash with a count of at least 1"},
		{filepath.Join(dir, "missing"), "no such file"},
	} {
		_, err := Build(filepath.Join(dir, "out.filter"), []string{tc.in}, 1)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", filepath.Base(tc.in), err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out.filter")); !os.IsNotExist(err) {
		t.Errorf("a failed build left a filter: %v", err)
	}
}

// TestOpenRefusesDamagedFiles: a file that is not a whole filter is
// refused, never read past its end.
func TestOpenRefusesDamagedFiles(t *testing.T) {
	c := newCorpus(1000)
	dir := t.TempDir()
	src := filepath.Join(dir, "c.txt")
	c.writeFile(t, src)
	good := filepath.Join(dir, "good.filter")
	if _, err := Build(good, []string{src}, 1); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(good)
	for name, damage := range map[string]func([]byte) []byte{
		"truncated":     func(b []byte) []byte { return b[:len(b)-1] },
		"header only":   func(b []byte) []byte { return b[:headerSize] },
		"too short":     func(b []byte) []byte { return b[:10] },
		"bad magic":     func(b []byte) []byte { b[0] = 'X'; return b },
		"segment count": func(b []byte) []byte { b[40]++; return b },
		"segment size":  func(b []byte) []byte { b[33] ^= 0x40; return b },
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, damage(slices.Clone(data)), 0o644)
		if _, err := Open(p); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}
