package proxy

import "sync"

// bytePool recycles relay buffers.
type bytePool struct{ p sync.Pool }

func newCopyPool() *bytePool {
	return &bytePool{p: sync.Pool{New: func() any { b := make([]byte, 8<<10); return &b }}}
}

func (p *bytePool) get() *[]byte  { return p.p.Get().(*[]byte) }
func (p *bytePool) put(b *[]byte) { p.p.Put(b) }
