package waflog

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/ops/observe"
)

// lineSink records every Write and fails the test on a partial record.
type lineSink struct {
	mu      sync.Mutex
	t       *testing.T
	writes  int
	records int
}

func (s *lineSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	if len(p) == 0 || p[len(p)-1] != '\n' {
		s.t.Errorf("write %d ends mid-record", s.writes)
	}
	s.records += bytes.Count(p, []byte("\n"))
	return len(p), nil
}

func (s *lineSink) Close() error { return nil }

// A rotating sink must see whole records only, however the writer's buffer
// fills.
func TestSinkSeesWholeRecords(t *testing.T) {
	enc, err := NewEncoder(EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sink := &lineSink{t: t}
	l := NewLogger(enc, sink, 100_000)
	v := &request.View{Method: "POST", Path: "/", Proto: "HTTP/1.1", Country: "XX"}
	const n = 5000 // about 3 MB: the 256 KB buffer fills many times
	for range n {
		l.Observe(&observe.Outcome{Start: time.Unix(1_700_000_000, 0), View: v, Status: 200})
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if sink.records != n || sink.writes < 2 {
		t.Fatalf("%d records in %d writes, want %d in several", sink.records, sink.writes, n)
	}
}
