package cognito

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// TestPreparedErrorWritesWhatWriteErrorWrites: for each error, the
// prepared answer has the same status, headers (CORS set before kept) and
// body as WriteError's.
func TestPreparedErrorWritesWhatWriteErrorWrites(t *testing.T) {
	for _, e := range []*Error{ErrWAFBlock, Forbidden(`quote " and \ backslash`), Internal("x\x01y"), TooLarge(65536)} {
		a, b := httptest.NewRecorder(), httptest.NewRecorder()
		for _, w := range []*httptest.ResponseRecorder{a, b} {
			w.Header().Set("Access-Control-Allow-Origin", "*")
		}
		WriteError(a, "req-1", e)
		Prepare(e).Write(b, "req-1")
		if a.Code != b.Code || a.Body.String() != b.Body.String() || !reflect.DeepEqual(a.Header(), b.Header()) {
			t.Errorf("%v:\nWriteError %d %v %s\nPrepared   %d %v %s", e, a.Code, a.Header(), a.Body, b.Code, b.Header(), b.Body)
		}
	}
}

// TestPreparedErrorSharedValuesStayPut: appending to a header value of one
// prepared answer does not change the next answer.
func TestPreparedErrorSharedValuesStayPut(t *testing.T) {
	a := httptest.NewRecorder()
	WAFBlock.Write(a, "r1")
	a.Header().Add("Content-Type", "text/plain")
	b := httptest.NewRecorder()
	WAFBlock.Write(b, "r2")
	if got := b.Header().Values("Content-Type"); len(got) != 1 || got[0] != "application/x-amz-json-1.1" {
		t.Fatalf("Content-Type %q after another answer's Add", got)
	}
}

// headerOnly is a ResponseWriter that keeps nothing but its header map.
type headerOnly struct{ h http.Header }

func (w *headerOnly) Header() http.Header         { return w.h }
func (w *headerOnly) WriteHeader(int)             {}
func (w *headerOnly) Write(p []byte) (int, error) { return len(p), nil }

// TestPreparedErrorAllocatesOnlyTheRequestID: the prepared answer
// allocates one value (the request id's header slice); WriteError more.
func TestPreparedErrorAllocatesOnlyTheRequestID(t *testing.T) {
	w := &headerOnly{h: http.Header{}}
	prepared := testing.AllocsPerRun(100, func() { clear(w.h); WAFBlock.Write(w, "req") })
	plain := testing.AllocsPerRun(100, func() { clear(w.h); WriteError(w, "req", ErrWAFBlock) })
	if prepared > 1 {
		t.Errorf("prepared answer: %v allocations, want 1 (WriteError: %v)", prepared, plain)
	}
	t.Logf("allocations per answer: prepared %v, WriteError %v", prepared, plain)
}

func BenchmarkWriteWAFBlock(b *testing.B) {
	w := &headerOnly{h: http.Header{}}
	b.Run("WriteError", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			clear(w.h)
			WriteError(w, "req", ErrWAFBlock)
		}
	})
	b.Run("Prepared", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			clear(w.h)
			WAFBlock.Write(w, "req")
		}
	})
}
