package breached

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Options say what `poolguard passwords build` compiles: a plain value the
// command line fills (cmd/poolguard/passwords.go).
type Options struct {
	// Out is the filter file to write.
	Out string
	// Inputs are Pwned Passwords files ("HASH:COUNT" lines) or
	// directories of range files.
	Inputs []string
	// MinCount keeps hashes seen at least this many times (at least 1).
	MinCount uint64
}

// Check reports options Build cannot use.
func (o Options) Check() error {
	switch {
	case o.Out == "":
		return errors.New("--out FILE is required")
	case len(o.Inputs) == 0:
		return errors.New("name at least one INPUT")
	case o.MinCount == 0:
		return errors.New("--min-count must be at least 1")
	}
	return nil
}

// Run builds the filter o describes and writes a line of statistics to w:
// hashes kept and read, size, bits per entry and how long it took. ctx is
// not watched: a build runs to its end.
func Run(_ context.Context, o Options, w io.Writer) error {
	if err := o.Check(); err != nil {
		return err
	}
	start := time.Now()
	st, err := Build(o.Out, o.Inputs, o.MinCount)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s: %d of %d hashes (count >= %d), %d bytes (%.2f bits per entry, false-positive rate about 1/256), %v\n",
		o.Out, st.Kept, st.Read, o.MinCount, st.Bytes, float64(st.Bytes*8)/float64(st.Kept), time.Since(start).Round(time.Millisecond))
	return err
}
