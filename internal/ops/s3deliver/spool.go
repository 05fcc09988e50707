package s3deliver

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The spool directory holds, in this order of life:
//
//	current.log                          records being appended
//	seg-<ms>-<seq>.log                   a sealed segment, plain
//	seg-<ms>-<seq>-<hash>-<n>.log.gz     the segment compressed, ready to upload
//
// where ms is the first record's timestamp, seq orders segments with the
// same ms, hash is the first 8 hex digits of the SHA-256 of the gzip file
// and n its number of records. A file is deleted only once S3 has it.
const (
	currentName = "current.log"
	segPrefix   = "seg-"
	plainSuffix = ".log"
	gzSuffix    = ".log.gz"
	tmpSuffix   = ".tmp"
)

// segment is a sealed spool file.
type segment struct {
	name    string
	ms      int64 // first record's timestamp
	seq     int64
	hash    string // gz only
	records int64  // gz only
	gz      bool
}

// parseSegment parses a spool file name; ok is false for other files.
func parseSegment(name string) (segment, bool) {
	s := segment{name: name}
	rest, ok := strings.CutPrefix(name, segPrefix)
	if !ok {
		return s, false
	}
	var base string
	if base, s.gz = strings.CutSuffix(rest, gzSuffix); !s.gz {
		if base, ok = strings.CutSuffix(rest, plainSuffix); !ok {
			return s, false
		}
	}
	parts := strings.Split(base, "-")
	if s.gz && len(parts) != 4 || !s.gz && len(parts) != 2 {
		return s, false
	}
	var err1, err2, err3 error
	s.ms, err1 = strconv.ParseInt(parts[0], 10, 64)
	s.seq, err2 = strconv.ParseInt(parts[1], 10, 64)
	if s.gz {
		s.hash = parts[2]
		s.records, err3 = strconv.ParseInt(parts[3], 10, 64)
	}
	return s, err1 == nil && err2 == nil && err3 == nil
}

func plainName(ms, seq int64) string {
	return fmt.Sprintf("%s%013d-%06d%s", segPrefix, ms, seq, plainSuffix)
}

func gzName(ms, seq int64, hash string, n int64) string {
	return fmt.Sprintf("%s%013d-%06d-%s-%d%s", segPrefix, ms, seq, hash, n, gzSuffix)
}

// listSegments returns the sealed segments in dir, oldest first, and the
// total size of every spool file (current.log included).
func listSegments(dir string) ([]segment, int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, 0, err
	}
	var segs []segment
	var size int64
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, tmpSuffix) {
			os.Remove(filepath.Join(dir, name)) // an interrupted compression
			continue
		}
		s, ok := parseSegment(name)
		if !ok && name != currentName {
			continue
		}
		if info, err := e.Info(); err == nil {
			size += info.Size()
		}
		if ok {
			segs = append(segs, s)
		}
	}
	slices.SortFunc(segs, func(a, b segment) int { return cmp.Or(cmp.Compare(a.ms, b.ms), cmp.Compare(a.seq, b.seq)) })
	return segs, size, nil
}

// compress gzips the plain segment s into its ready name, removes the
// plain file and returns the new segment and the change in spool size.
// The gzip stream carries no time or name, so the same records always
// give the same bytes, hash and object key: a retried upload overwrites
// rather than duplicates.
func compress(dir string, s segment) (segment, int64, error) {
	src := filepath.Join(dir, s.name)
	in, err := os.Open(src)
	if err != nil {
		return s, 0, err
	}
	defer in.Close()
	inInfo, err := in.Stat()
	if err != nil {
		return s, 0, err
	}
	tmp := filepath.Join(dir, s.name+tmpSuffix)
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return s, 0, err
	}
	h := sha256.New()
	zw := gzip.NewWriter(io.MultiWriter(out, h))
	n, err := copyLines(zw, in)
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return s, 0, err
	}
	outInfo, err := os.Stat(tmp)
	if err != nil {
		return s, 0, err
	}
	hash := hex.EncodeToString(h.Sum(nil))[:8]
	ready := segment{name: gzName(s.ms, s.seq, hash, n), ms: s.ms, seq: s.seq, hash: hash, records: n, gz: true}
	if err := os.Rename(tmp, filepath.Join(dir, ready.name)); err != nil {
		os.Remove(tmp)
		return s, 0, err
	}
	os.Remove(src)
	return ready, outInfo.Size() - inInfo.Size(), nil
}

// copyLines copies r to w and returns the number of lines; an unfinished
// last line (a crash in mid-write) is dropped.
func copyLines(w io.Writer, r io.Reader) (int64, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	var n int64
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: copy what we have and go on.
			if _, werr := w.Write(line); werr != nil {
				return n, werr
			}
			continue
		}
		if err == io.EOF {
			return n, nil // a partial line without '\n' is dropped
		}
		if err != nil {
			return n, err
		}
		if _, err := w.Write(line); err != nil {
			return n, err
		}
		n++
	}
}

// firstTimestamp returns the timestamp of the first record of the file,
// or -1 when it has none.
func firstTimestamp(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	buf := make([]byte, 64)
	n, _ := io.ReadFull(f, buf)
	ms, ok := lineTimestamp(buf[:n])
	if !ok {
		return -1
	}
	return ms
}

// lineTimestamp reads the timestamp the Encoder writes first in a record:
// {"timestamp":1234,...
func lineTimestamp(line []byte) (int64, bool) {
	const p = `{"timestamp":`
	if len(line) <= len(p) || string(line[:len(p)]) != p {
		return 0, false
	}
	var ms int64
	i := len(p)
	for ; i < len(line) && line[i] >= '0' && line[i] <= '9'; i++ {
		ms = ms*10 + int64(line[i]-'0')
	}
	return ms, i > len(p)
}
