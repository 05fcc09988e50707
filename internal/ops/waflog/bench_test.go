package waflog

import (
	"encoding/json"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/poolguard/poolguard/internal/rules/waf"
)

func BenchmarkAppend(b *testing.B) {
	enc := testEncoder(b)
	o := goldenCases()["counted"]
	buf := enc.Append(nil, o)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = enc.Append(buf[:0], o)
	}
}

func BenchmarkLoggerObserve(b *testing.B) {
	l := NewLogger(testEncoder(b), nopCloser{io.Discard}, 1<<16)
	defer l.Close()
	o := outcome(&waf.Verdict{Action: waf.ActionAllow, TerminatingRuleID: waf.DefaultActionID})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Observe(o)
		}
	})
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "q\"b\\s", "\x00\x1f\n", "\u2028\u2029", "\xff\xfe", "héllo"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendString(nil, s)
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q -> %s: %v", s, out, err)
		}
		if utf8.ValidString(s) && got != s {
			t.Fatalf("round trip %q -> %q", s, got)
		}
	})
}
