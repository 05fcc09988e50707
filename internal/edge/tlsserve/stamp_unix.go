//go:build unix

package tlsserve

import (
	"os"
	"syscall"
)

// stampOf identifies a file version by modification time, size, inode and
// device: a replaced file has a new inode even when its time and size
// match the old one's.
func stampOf(fi os.FileInfo) fileStamp {
	s := fileStamp{mod: fi.ModTime(), size: fi.Size()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.ino, s.dev = uint64(st.Ino), uint64(st.Dev)
	}
	return s
}
