// Package breached checks passwords against a local copy of the Pwned
// Passwords corpus, never sending anything out. `poolguard passwords
// build` compiles the corpus (SHA-1 "HASH:COUNT" lines, as one file or as
// the 16^5 range files the official downloader writes) into a binary fuse
// filter (github.com/FastFilter/xorfilter BinaryFuse8: about 9 bits per
// entry, a false-positive rate of about 1/256 = 0.4 %), which the proxy
// memory-maps.
//
// The proxy hashes each password it sees once (SHA-1, in memory only) and
// asks the filter. A password is never logged, stored or sent anywhere.
package breached

import (
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/FastFilter/xorfilter"
)

// The file format, little-endian: magic, then the header fields below, then
// the filter's fingerprints.
const (
	magic      = "PGPWNED1"
	headerSize = 8 + 8 + 8 + 8 + 4*4 + 8
)

// Filter is a compiled, memory-mapped breached-password filter. It is
// immutable and safe for concurrent use. A nil *Filter contains nothing.
type Filter struct {
	bf       xorfilter.BinaryFuse8
	entries  uint64
	minCount uint64
}

// Entries returns the number of hashes the filter was built from.
func (f *Filter) Entries() uint64 { return f.entries }

// MinCount returns the minimum breach count of the hashes it holds.
func (f *Filter) MinCount() uint64 { return f.minCount }

// Size returns the filter's size in bytes (its fingerprints).
func (f *Filter) Size() int { return len(f.bf.Fingerprints) }

// ContainsHash reports whether the SHA-1 digest h is (probably) in the
// filter: always for a member, with probability about 1/256 for anything
// else. It allocates nothing.
func (f *Filter) ContainsHash(h *[sha1.Size]byte) bool {
	if f == nil {
		return false
	}
	return f.bf.Contains(key(h))
}

// Contains reports whether password is (probably) breached. It hashes the
// password once, keeps nothing and allocates nothing.
func (f *Filter) Contains(password string) bool {
	if f == nil {
		return false
	}
	h := sha1.Sum(unsafeBytes(password))
	return f.ContainsHash(&h)
}

// key is the filter key of a SHA-1 digest: its first 64 bits, already
// uniformly distributed.
func key(h *[sha1.Size]byte) uint64 { return binary.BigEndian.Uint64(h[:8]) }

// write writes the filter file for bf.
func write(w io.Writer, bf *xorfilter.BinaryFuse8, entries, minCount uint64) error {
	hdr := make([]byte, headerSize)
	copy(hdr, magic)
	le := binary.LittleEndian
	le.PutUint64(hdr[8:], entries)
	le.PutUint64(hdr[16:], minCount)
	le.PutUint64(hdr[24:], bf.Seed)
	le.PutUint32(hdr[32:], bf.SegmentLength)
	le.PutUint32(hdr[36:], bf.SegmentLengthMask)
	le.PutUint32(hdr[40:], bf.SegmentCount)
	le.PutUint32(hdr[44:], bf.SegmentCountLength)
	le.PutUint64(hdr[48:], uint64(len(bf.Fingerprints)))
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err := w.Write(bf.Fingerprints)
	return err
}

// ErrFormat is returned by Open for a file that is not a filter written by
// `poolguard passwords build`.
var ErrFormat = errors.New("not a poolguard breached-password filter (build one with: poolguard passwords build)")

// Open maps the filter file at path read-only. The mapping is released
// when the Filter is no longer reachable.
func Open(path string) (*Filter, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < headerSize {
		return nil, fmt.Errorf("%s: %w", path, ErrFormat)
	}
	data, unmap, err := mapFile(file, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f, err := parse(data)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if unmap != nil {
		runtime.AddCleanup(f, func(unmap func()) { unmap() }, unmap)
	}
	return f, nil
}

// parse reads the header of data and points the filter's fingerprints
// into it.
func parse(data []byte) (*Filter, error) {
	if len(data) < headerSize || string(data[:8]) != magic {
		return nil, ErrFormat
	}
	le := binary.LittleEndian
	f := &Filter{entries: le.Uint64(data[8:]), minCount: le.Uint64(data[16:])}
	f.bf.Seed = le.Uint64(data[24:])
	f.bf.SegmentLength = le.Uint32(data[32:])
	f.bf.SegmentLengthMask = le.Uint32(data[36:])
	f.bf.SegmentCount = le.Uint32(data[40:])
	f.bf.SegmentCountLength = le.Uint32(data[44:])
	n := le.Uint64(data[48:])
	bf := &f.bf
	// Contains indexes up to (SegmentCount+2)*SegmentLength: refuse a
	// header that would read past the fingerprints.
	need := (uint64(bf.SegmentCount) + 2) * uint64(bf.SegmentLength)
	if n != uint64(len(data)-headerSize) || need > n || bf.SegmentLength == 0 ||
		bf.SegmentLengthMask != bf.SegmentLength-1 || bf.SegmentLength&bf.SegmentLengthMask != 0 ||
		uint64(bf.SegmentCountLength) != uint64(bf.SegmentCount)*uint64(bf.SegmentLength) {
		return nil, ErrFormat
	}
	bf.Fingerprints = data[headerSize:]
	return f, nil
}
