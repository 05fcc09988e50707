package waflog

import (
	"fmt"
	"io"
	"os"
)

// Defaults for Options.
const (
	DefaultMaxSizeMB = 100
	DefaultMaxFiles  = 5
)

// Stdout is the Destination that writes to standard output.
const Stdout = "stdout"

// Options configures New; it mirrors the logging section of the config.
type Options struct {
	// Destination is Stdout or a file path. Empty is an error: a disabled
	// log is the caller's decision (do not call New).
	Destination string
	// Headers are the request headers logged (see EncoderOptions.Headers).
	Headers []string
	// Buffer is the queue length in records (DefaultBuffer if 0).
	Buffer int
	// MaxSizeMB is the size at which a file destination rotates
	// (DefaultMaxSizeMB if 0).
	MaxSizeMB int
	// MaxFiles is how many rotated files are kept (DefaultMaxFiles if 0;
	// negative keeps none).
	MaxFiles int
	// Region and Account make webaclId an ARN (see EncoderOptions).
	Region, Account string
}

// New opens the destination and returns a running Logger. The caller must
// Close it on shutdown to flush queued records.
func New(opts Options) (*Logger, error) {
	enc, err := NewEncoder(EncoderOptions{Headers: opts.Headers, Region: opts.Region, Account: opts.Account})
	if err != nil {
		return nil, err
	}
	out, err := openDestination(opts)
	if err != nil {
		return nil, err
	}
	return NewLogger(enc, out, opts.Buffer), nil
}

func openDestination(opts Options) (io.WriteCloser, error) {
	switch opts.Destination {
	case "":
		return nil, fmt.Errorf("waflog: no destination (want %q or a file path)", Stdout)
	case Stdout:
		return nopCloser{os.Stdout}, nil
	}
	size := opts.MaxSizeMB
	if size == 0 {
		size = DefaultMaxSizeMB
	}
	if size < 0 {
		return nil, fmt.Errorf("waflog: max_size_mb must be positive, got %d", size)
	}
	files := opts.MaxFiles
	switch {
	case files == 0:
		files = DefaultMaxFiles
	case files < 0:
		files = 0
	}
	return OpenRotator(opts.Destination, int64(size)<<20, files)
}

// nopCloser keeps Close from closing standard output.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
