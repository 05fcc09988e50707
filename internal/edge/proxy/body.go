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
	b     []byte
	wire  []byte
	canon []byte      // the canonical body forwarded
	hdr   http.Header // the upstream answer's headers
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
	if cap(b.b) > 256<<10 || cap(b.wire) > 256<<10 || cap(b.canon) > 256<<10 {
		return
	}
	b.b, b.wire, b.canon = b.b[:0], b.wire[:0], b.canon[:0]
	bufPool.Put(b)
}

// readBody reads all of r, appended to dst, refusing more than limit
// bytes. It returns the grown dst (to keep its capacity) with the error.
func readBody(dst []byte, r io.Reader, limit int64) ([]byte, *cognito.Error) {
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if int64(len(dst)) > limit {
			return dst[:0], cognito.TooLarge(limit)
		}
		if errors.Is(err, io.EOF) {
			return dst, nil
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return dst[:0], cognito.TooLarge(limit)
			}
			return dst[:0], cognito.InvalidParameter("Could not read the request body.")
		}
	}
}
