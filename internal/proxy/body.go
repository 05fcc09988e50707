package proxy

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/poolguard/poolguard/internal/cognito"
)

// buffer is a pooled scratch buffer for one request body. It is shared by
// the handler and every outbound body the transport makes from it; the last
// of them to release it returns it to the pool.
type buffer struct {
	b    []byte
	refs atomic.Int32
}

var bufPool = sync.Pool{New: func() any { return &buffer{b: make([]byte, 0, 4096)} }}

// getBuffer returns a buffer with one reference, the caller's.
func getBuffer() *buffer {
	b := bufPool.Get().(*buffer)
	b.refs.Store(1)
	return b
}

// acquire adds a reference.
func (b *buffer) acquire() { b.refs.Add(1) }

// release drops a reference; the last one returns b to the pool.
func (b *buffer) release() {
	if b.refs.Add(-1) == 0 {
		putBuffer(b)
	}
}

func putBuffer(b *buffer) {
	if cap(b.b) > 256<<10 {
		return // don't keep a buffer grown by a rare large body
	}
	b.b = b.b[:0]
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

// pooledBody is an outbound request body holding a reference to the
// request's buffer until the transport closes it.
type pooledBody struct {
	bytes.Reader
	once sync.Once
	buf  *buffer
}

// newPooledBody returns a body reading b, which lives in buf.
func newPooledBody(b []byte, buf *buffer) *pooledBody {
	buf.acquire()
	pb := &pooledBody{buf: buf}
	pb.Reset(b)
	return pb
}

// Close releases the buffer; later calls do nothing.
func (p *pooledBody) Close() error {
	p.once.Do(p.buf.release)
	return nil
}
