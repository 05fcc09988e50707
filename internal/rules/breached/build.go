package breached

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/FastFilter/xorfilter"
)

// Stats describes a build.
type Stats struct {
	// Read is the number of hash lines read; Kept those with a count of at
	// least the minimum, which the filter holds.
	Read, Kept uint64
	// Bytes is the size of the filter file.
	Bytes int64
}

// Build reads the Pwned Passwords SHA-1 corpus from inputs — files of
// "HASH:COUNT" lines (40 hex digits), or directories of range files named
// by their first five hex digits (with or without ".txt") whose lines are
// "SUFFIX:COUNT" (35 hex digits) — keeps the hashes seen at least minCount
// times, and writes the filter to out (through a temporary file renamed
// into place, so a running proxy never maps a half-written filter).
// Errors name the file and line.
func Build(out string, inputs []string, minCount uint64) (Stats, error) {
	var st Stats
	var keys []uint64
	for _, in := range inputs {
		var err error
		if keys, err = readInput(in, minCount, keys, &st); err != nil {
			return st, err
		}
	}
	if len(keys) == 0 {
		return st, fmt.Errorf("no hash with a count of at least %d in %s", minCount, strings.Join(inputs, ", "))
	}
	bf, err := xorfilter.PopulateBinaryFuse8(keys)
	if err != nil {
		return st, fmt.Errorf("building the filter: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".pwned-*.tmp")
	if err != nil {
		return st, err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	if err := write(w, bf, st.Kept, minCount); err != nil {
		tmp.Close()
		return st, err
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return st, err
	}
	if err := tmp.Close(); err != nil {
		return st, err
	}
	st.Bytes = int64(headerSize + len(bf.Fingerprints))
	return st, os.Rename(tmp.Name(), out)
}

// readInput appends the keys of one file or range directory.
func readInput(in string, minCount uint64, keys []uint64, st *Stats) ([]uint64, error) {
	info, err := os.Stat(in)
	if err != nil {
		return keys, err
	}
	if !info.IsDir() {
		return readFile(in, "", minCount, keys, st)
	}
	entries, err := os.ReadDir(in)
	if err != nil {
		return keys, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	for _, name := range names {
		prefix := strings.ToUpper(strings.TrimSuffix(name, ".txt"))
		if len(prefix) != 5 || !isHex(prefix) {
			return keys, fmt.Errorf("%s: not a range file (its name must be 5 hex digits, optionally with .txt)", filepath.Join(in, name))
		}
		if keys, err = readFile(filepath.Join(in, name), prefix, minCount, keys, st); err != nil {
			return keys, err
		}
	}
	return keys, nil
}

// readFile appends the keys of one file of "HASH:COUNT" lines; in a range
// file prefix holds the five hex digits the lines leave out.
func readFile(path, prefix string, minCount uint64, keys []uint64, st *Stats) ([]uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return keys, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 256), 4096)
	var digest [40]byte
	copy(digest[:], prefix)
	want := 40 - len(prefix)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimRight(sc.Bytes(), "\r")
		if len(b) == 0 {
			continue
		}
		hash, count, ok := bytes.Cut(b, []byte(":"))
		n, err := strconv.ParseUint(string(count), 10, 64)
		if !ok || len(hash) != want || !isHex(hash) || err != nil {
			return keys, fmt.Errorf("%s:%d: not a %d-hex-digit hash and a count (HASH:COUNT)", path, line, want)
		}
		st.Read++
		if n < minCount {
			continue
		}
		copy(digest[len(prefix):], hash)
		var sum [20]byte
		if _, err := hex.Decode(sum[:], digest[:]); err != nil {
			return keys, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		keys = append(keys, key(&sum))
		st.Kept++
	}
	if err := sc.Err(); err != nil {
		return keys, fmt.Errorf("%s:%d: %v", path, line+1, err)
	}
	return keys, nil
}

func isHex[S string | []byte](s S) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
