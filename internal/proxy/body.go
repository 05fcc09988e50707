package proxy

import (
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/poolguard/poolguard/internal/cognito"
)

// buffer is a pooled scratch buffer for one request: its body, and the
// serialized upstream request.
type buffer struct {
	b    []byte
	wire []byte
	hdr  http.Header // the upstream answer's headers
}

// header returns the buffer's header map, empty.
func (b *buffer) header() http.Header {
	if b.hdr == nil {
		b.hdr = make(http.Header, 8)
	}
	clear(b.hdr)
	return b.hdr
}

var bufPool = sync.Pool{New: func() any { return &buffer{b: make([]byte, 0, 4096)} }}

func getBuffer() *buffer { return bufPool.Get().(*buffer) }

// release returns b to the pool, unless a rare large body grew it.
func (b *buffer) release() {
	if cap(b.b) > 256<<10 || cap(b.wire) > 256<<10 {
		return
	}
	b.b, b.wire = b.b[:0], b.wire[:0]
	bufPool.Put(b)
}

// readBody reads all of r into the buffer, refusing more than limit bytes.
func (b *buffer) readBody(r io.Reader, limit int64) ([]byte, *cognito.Error) {
	b.b = b.b[:0]
	for {
		if len(b.b) == cap(b.b) {
			b.b = append(b.b, 0)[:len(b.b)]
		}
		n, err := r.Read(b.b[len(b.b):cap(b.b)])
		b.b = b.b[:len(b.b)+n]
		if int64(len(b.b)) > limit {
			return nil, cognito.TooLarge(limit)
		}
		if errors.Is(err, io.EOF) {
			return b.b, nil
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, cognito.TooLarge(limit)
			}
			return nil, cognito.InvalidParameter("Could not read the request body.")
		}
	}
}
