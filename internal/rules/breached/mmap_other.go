//go:build !unix

package breached

import (
	"io"
	"os"
)

// mapFile reads the file into memory where mmap is not available.
func mapFile(file *os.File, size int64) ([]byte, func(), error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(file, data); err != nil {
		return nil, nil, err
	}
	return data, nil, nil
}
