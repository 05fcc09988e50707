//go:build !unix

package tlsserve

import "os"

// stampOf identifies a file version by modification time and size.
func stampOf(fi os.FileInfo) fileStamp {
	return fileStamp{mod: fi.ModTime(), size: fi.Size()}
}
