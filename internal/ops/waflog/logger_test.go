package waflog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"testing"

	"github.com/poolguard/poolguard/internal/rules/waf"
)

// sink is an io.WriteCloser that records what it got and can be held so
// the queue fills.
type sink struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	hold   chan struct{} // when non-nil, Write waits for it to close
	closed bool
}

func (s *sink) Write(p []byte) (int, error) {
	if s.hold != nil {
		<-s.hold
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *sink) Close() error { s.closed = true; return nil }

func TestLoggerWritesAndFlushesOnClose(t *testing.T) {
	s := &sink{}
	l := NewLogger(testEncoder(t), s, 1000)
	o := outcome(&waf.Verdict{Action: waf.ActionAllow})
	for range 500 {
		l.Observe(o)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if !s.closed {
		t.Error("sink not closed")
	}
	n := 0
	sc := bufio.NewScanner(&s.buf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if !json.Valid(sc.Bytes()) {
			t.Fatalf("line %d invalid: %s", n, sc.Bytes())
		}
		n++
	}
	if n != 500 || l.Written() != 500 || l.Dropped() != 0 {
		t.Errorf("lines %d written %d dropped %d, want 500/500/0", n, l.Written(), l.Dropped())
	}
	l.Observe(o) // after Close: dropped, not a panic
	if l.Dropped() != 1 {
		t.Errorf("dropped after close = %d", l.Dropped())
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestLoggerNeverBlocks holds the sink so the queue fills, and checks that
// Observe keeps returning and counts what it could not queue.
func TestLoggerNeverBlocks(t *testing.T) {
	s := &sink{hold: make(chan struct{})}
	l := NewLogger(testEncoder(t), s, 4)
	o := outcome(&waf.Verdict{Action: waf.ActionAllow})
	const n = 100
	for range n {
		l.Observe(o) // would deadlock here if Observe blocked
	}
	if l.Dropped() < n/2 { // queue of 4, plus the few the writer took before sticking
		t.Errorf("dropped %d of %d with a 4-record queue and a stuck sink", l.Dropped(), n)
	}
	close(s.hold)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := l.Written() + l.Dropped(); got != n {
		t.Errorf("written %d + dropped %d = %d, want %d", l.Written(), l.Dropped(), got, n)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrShortWrite }
func (failingWriter) Close() error              { return nil }

func TestLoggerReportsWriteErrors(t *testing.T) {
	l := NewLogger(testEncoder(t), failingWriter{}, 8)
	l.Observe(outcome(&waf.Verdict{Action: waf.ActionAllow}))
	if err := l.Close(); err == nil {
		t.Error("Close returned nil after a failed write")
	}
}

func TestLoggerConcurrent(t *testing.T) {
	s := &sink{}
	l := NewLogger(testEncoder(t), s, 1<<14)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			o := outcome(&waf.Verdict{Action: waf.ActionAllow})
			for range 200 {
				l.Observe(o)
			}
		})
	}
	wg.Go(func() { l.Close() }) // Close racing Observe must not panic
	wg.Wait()
	l.Close()
	if got := l.Written() + l.Dropped(); got != 1600 {
		t.Errorf("written+dropped = %d, want 1600", got)
	}
}
