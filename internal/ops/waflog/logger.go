package waflog

import (
	"bufio"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/poolguard/poolguard/internal/ops/observe"
)

// DefaultBuffer is the queue length, in records, when none is configured.
const DefaultBuffer = 8192

// maxPooledLine bounds the buffers kept for reuse, so one huge record does
// not pin memory.
const maxPooledLine = 64 << 10

// Logger is an observe.Observer that writes each Outcome as one AWS WAF log
// line. Observe encodes on the caller's goroutine and queues the line for a
// background writer; it never blocks: when the queue is full the record is
// dropped and counted. Close drains the queue, flushes and closes the sink.
// Logger is safe for concurrent use.
type Logger struct {
	enc  *Encoder
	out  io.WriteCloser
	bw   *bufio.Writer
	pool sync.Pool // *[]byte

	mu     sync.RWMutex // guards closed against the send in Observe
	closed bool
	queue  chan *[]byte
	done   chan struct{}

	dropped atomic.Uint64
	written atomic.Uint64
	werr    atomic.Pointer[error] // first write error
}

// NewLogger returns a Logger writing to out through a queue of buffer
// records (DefaultBuffer if buffer <= 0). The Logger owns out: Close closes
// it.
func NewLogger(enc *Encoder, out io.WriteCloser, buffer int) *Logger {
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	l := &Logger{
		enc:   enc,
		out:   out,
		bw:    bufio.NewWriterSize(out, 256<<10),
		queue: make(chan *[]byte, buffer),
		done:  make(chan struct{}),
	}
	l.pool.New = func() any { b := make([]byte, 0, 2048); return &b }
	go l.run()
	return l
}

// Observe encodes o and queues its line. It implements observe.Observer.
func (l *Logger) Observe(o *observe.Outcome) {
	bp := l.pool.Get().(*[]byte)
	*bp = l.enc.Append((*bp)[:0], o)
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		l.dropped.Add(1)
		l.put(bp)
		return
	}
	select {
	case l.queue <- bp:
	default:
		l.dropped.Add(1)
		l.put(bp)
	}
	l.mu.RUnlock()
}

func (l *Logger) put(bp *[]byte) {
	if cap(*bp) <= maxPooledLine {
		l.pool.Put(bp)
	}
}

// run writes queued lines, flushing whenever the queue is empty so that
// lines reach the sink promptly when traffic is light and in large writes
// when it is heavy.
func (l *Logger) run() {
	defer close(l.done)
	for bp := range l.queue {
		l.write(*bp)
		l.put(bp)
		if len(l.queue) == 0 {
			l.flush()
		}
	}
	l.flush()
}

func (l *Logger) write(b []byte) {
	// The sink only ever sees whole records: a record that does not fit
	// what is left of the buffer flushes the buffer first, so a rotating
	// sink never splits a record across two files.
	if l.bw.Buffered() > 0 && l.bw.Available() < len(b) {
		l.flush()
	}
	if _, err := l.bw.Write(b); err != nil {
		l.fail(err)
		l.dropped.Add(1)
		return
	}
	l.written.Add(1)
}

func (l *Logger) flush() {
	if err := l.bw.Flush(); err != nil {
		l.fail(err)
	}
}

func (l *Logger) fail(err error) {
	l.werr.CompareAndSwap(nil, &err)
}

// Dropped returns how many records were dropped: queue full, written after
// Close, or failed to write.
func (l *Logger) Dropped() uint64 { return l.dropped.Load() }

// Written returns how many records were handed to the sink.
func (l *Logger) Written() uint64 { return l.written.Load() }

// Err returns the first error writing to the sink, or nil.
func (l *Logger) Err() error {
	if p := l.werr.Load(); p != nil {
		return *p
	}
	return nil
}

// Close stops accepting records, writes every queued one, flushes and
// closes the sink. It returns the first write or close error. Calling
// Close more than once returns nil.
func (l *Logger) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.queue)
	l.mu.Unlock()
	<-l.done
	return errors.Join(l.Err(), l.out.Close())
}
