package waflog

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Rotator is an io.WriteCloser over a file that rotates by size: when a
// write would take the file past MaxBytes, PATH becomes PATH.1, PATH.1
// becomes PATH.2, and so on, keeping at most MaxFiles rotated files, and a
// new PATH is started. A single write larger than MaxBytes goes whole into
// a fresh file. Lines are never split across files when each Write is whole
// lines, as the Logger's are.
//
// A Rotator is not safe for concurrent use; the Logger writes from one
// goroutine.
//
// It is not gopkg.in/natefinch/lumberjack.v2 (v2.2.1, the latest on the
// module proxy, February 2023), which was weighed as its replacement,
// because lumberjack would change what operators and tests rely on: it
// refuses a write larger than the size limit ("write length exceeds
// maximum file size": a large record would be lost, here it goes whole
// into a fresh file), names backups by timestamp (PATH-2006-01-02T15-04-05.000)
// instead of PATH.1..PATH.N, reads MaxBackups 0 as "keep all" where
// waf_log.max_files 0 keeps none, counts size in whole megabytes, and
// deletes old backups from a background goroutine, so a test cannot know
// when the count is right without waiting.
type Rotator struct {
	path     string
	maxBytes int64
	maxFiles int
	f        *os.File
	size     int64
}

// OpenRotator opens (appending to) or creates the file at path. maxBytes
// must be positive; maxFiles may be 0 to keep no rotated files.
func OpenRotator(path string, maxBytes int64, maxFiles int) (*Rotator, error) {
	if maxBytes <= 0 {
		return nil, fmt.Errorf("waflog: rotation size must be positive, got %d", maxBytes)
	}
	if maxFiles < 0 {
		return nil, fmt.Errorf("waflog: max files must not be negative, got %d", maxFiles)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("waflog: %w", err)
	}
	r := &Rotator{path: path, maxBytes: maxBytes, maxFiles: maxFiles}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Rotator) open() error {
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("waflog: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("waflog: %w", err)
	}
	r.f, r.size = f, st.Size()
	return nil
}

// Write writes p, rotating first if p would not fit.
func (r *Rotator) Write(p []byte) (int, error) {
	if r.f == nil {
		return 0, os.ErrClosed
	}
	if r.size > 0 && r.size+int64(len(p)) > r.maxBytes {
		if err := r.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	return n, err
}

// rotate shifts PATH.i to PATH.i+1, drops the oldest and starts a new PATH.
func (r *Rotator) rotate() error {
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("waflog: %w", err)
	}
	r.f = nil
	if r.maxFiles == 0 {
		if err := os.Remove(r.path); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("waflog: %w", err)
		}
		return r.open()
	}
	os.Remove(r.backup(r.maxFiles)) // the oldest; absent is fine
	for i := r.maxFiles - 1; i >= 1; i-- {
		if err := os.Rename(r.backup(i), r.backup(i+1)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("waflog: %w", err)
		}
	}
	if err := os.Rename(r.path, r.backup(1)); err != nil {
		return fmt.Errorf("waflog: %w", err)
	}
	return r.open()
}

func (r *Rotator) backup(i int) string { return r.path + "." + strconv.Itoa(i) }

// Close closes the current file.
func (r *Rotator) Close() error {
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}
