package breached

import "unsafe"

// unsafeBytes views s as bytes without copying (the hash only reads them),
// so that no copy of a password is left on the heap.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
