package analyze

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
)

// readBufferSize is the bufio buffer; lines longer than it are assembled.
const readBufferSize = 1 << 20

// openLog opens a log file ("-" is standard input), transparently
// decompressing gzip, which it recognises by its magic bytes.
func openLog(name string, stdin io.Reader) (io.Reader, func() error, error) {
	var f io.Reader
	closeFn := func() error { return nil }
	if name == "-" {
		f = stdin
	} else {
		file, err := os.Open(name)
		if err != nil {
			return nil, nil, err
		}
		f, closeFn = file, file.Close
	}
	br := bufio.NewReaderSize(f, readBufferSize)
	magic, err := br.Peek(2)
	if err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			closeFn()
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		return bufio.NewReaderSize(zr, readBufferSize), func() error { zr.Close(); return closeFn() }, nil
	}
	return br, closeFn, nil
}

// eachLine calls fn for every line of r (without its newline). The slice
// is valid only during the call.
func eachLine(r io.Reader, fn func(line []byte)) (int64, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, readBufferSize)
	}
	var n int64
	var long []byte
	for {
		line, err := br.ReadSlice('\n')
		n += int64(len(line))
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, line...)
			continue
		}
		if len(long) > 0 {
			long = append(long, line...)
			line = long
			long = long[:0]
		}
		if len(line) > 0 && line[len(line)-1] == '\n' {
			line = line[:len(line)-1]
		}
		if len(line) > 0 {
			fn(line)
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
