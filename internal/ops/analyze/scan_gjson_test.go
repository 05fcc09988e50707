package analyze

import (
	"bytes"
	"reflect"
	"testing"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/poolguard/poolguard/internal/ops/analyze/gen"
)

// scanRecordGJSON is scanRecord written with gjson, the maintained
// library the project already depends on: it is kept here, in a test, as
// the measured alternative (BenchmarkScanRecord) and as a second reading
// of every record (TestScanRecordMatchesGJSON). Like scanRecord it refuses
// malformed lines, which costs gjson a validating pass first.
func scanRecordGJSON(b []byte, r *record) error {
	if !gjson.ValidBytes(b) {
		r.reset()
		return errSyntax
	}
	return scanRecordGJSONUnchecked(b, r)
}

// scanRecordGJSONUnchecked is scanRecordGJSON without the validating
// pass: gjson's best case, which reads a truncated line as far as it goes.
func scanRecordGJSONUnchecked(b []byte, r *record) error {
	r.reset()
	doc := gjson.Parse(unsafe.String(unsafe.SliceData(b), len(b)))
	if !doc.IsObject() {
		return errSyntax
	}
	bs := func(v gjson.Result) []byte {
		if v.Type != gjson.String {
			return nil
		}
		return unsafeBytes(v.Str) // no copy: v.Str points into b unless it had escapes
	}
	var err error
	doc.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "timestamp":
			n, ok := parseInt(unsafeBytes(v.Raw))
			if !ok {
				err = errSyntax
				return false
			}
			r.ts, r.hasTS = n, true
		case "action":
			r.action = bs(v)
		case "httpRequest":
			v.ForEach(func(k, v gjson.Result) bool {
				switch k.Str {
				case "clientIp":
					r.clientIP = bs(v)
				case "uri":
					r.uri = bs(v)
				case "headers":
					v.ForEach(func(_, h gjson.Result) bool {
						if r.target == nil && bytes.EqualFold(unsafeBytes(h.Get("name").Str), []byte("x-amz-target")) {
							r.target = bs(h.Get("value"))
						}
						return true
					})
				}
				return true
			})
		case "labels":
			v.ForEach(func(_, l gjson.Result) bool {
				name := unsafeBytes(l.Get("name").Str)
				for _, rep := range ipRepLabels {
					r.ipRep = r.ipRep || bytes.Equal(name, rep)
				}
				r.suspect = r.suspect || SuspectLabel(name)
				return true
			})
		case "poolguard":
			r.pg = true
			if !v.IsObject() {
				return true
			}
			v.ForEach(func(k, v gjson.Result) bool {
				switch k.Str {
				case "operation":
					r.operation = bs(v)
				case "upstreamOperation":
					r.upOp = bs(v)
				case "clientId":
					r.clientID = bs(v)
				case "authFlow":
					r.authFlow = bs(v)
				case "forwarded":
					r.forwarded = v.Type == gjson.True
				case "upstreamStatus":
					n, ok := parseInt(unsafeBytes(v.Raw))
					if !ok {
						err = errSyntax
						return false
					}
					r.upStatus = n
				case "proxyErrorType":
					r.proxyErr = v.Str != ""
				case "outcome":
					r.answer, r.userHash = bs(v.Get("answer")), bs(v.Get("user"))
				}
				return true
			})
		}
		return true
	})
	return err
}

// unsafeBytes returns the bytes of s without copying; they must not be
// written.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// simulatedLog is a realistic poolguard WAF log: the generator's mix of
// operations, sources, labels and poolguard objects.
func simulatedLog(tb testing.TB, n int) [][]byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := gen.Write(&buf, gen.Simulated(start, n)); err != nil {
		tb.Fatal(err)
	}
	return bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
}

// Both readings agree on every record of the simulated log and on the
// table of TestScanRecord's lines.
func TestScanRecordMatchesGJSON(t *testing.T) {
	lines := simulatedLog(t, 5000)
	lines = append(lines, []byte(awsExample))
	for i, line := range lines {
		var hand, lib record
		errHand, errLib := scanRecord(line, &hand), scanRecordGJSON(line, &lib)
		if (errHand != nil) != (errLib != nil) || !reflect.DeepEqual(hand, lib) {
			t.Fatalf("line %d: hand %v %+v\ngjson %v %+v\n%s", i, errHand, hand, errLib, lib, line)
		}
	}
}

// BenchmarkScanRecord reads the simulated log's records with the
// hand-written scanner and with gjson (scanRecordGJSON).
func BenchmarkScanRecord(b *testing.B) {
	lines := simulatedLog(b, 20000)
	var size int64
	for _, l := range lines {
		size += int64(len(l)) + 1
	}
	for _, impl := range []struct {
		name string
		scan func([]byte, *record) error
	}{{"hand", scanRecord}, {"gjson", scanRecordGJSON}, {"gjson-unchecked", scanRecordGJSONUnchecked}} {
		b.Run(impl.name, func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			var r record
			for b.Loop() {
				for _, l := range lines {
					impl.scan(l, &r)
				}
			}
		})
	}
}

// FuzzScanRecordGJSON: on every valid JSON line the two readings agree.
func FuzzScanRecordGJSON(f *testing.F) {
	for _, l := range simulatedLog(f, 20) {
		f.Add(string(l))
	}
	f.Add(awsExample)
	f.Add(`{"timestamp":1,"httpRequest":{"uri":"\/login","headers":[{"name":"x-amz-target","value":"\u00e9"}]}}`)
	f.Fuzz(func(t *testing.T, s string) {
		if !gjson.Valid(s) {
			return
		}
		var hand, lib record
		errHand, errLib := scanRecord([]byte(s), &hand), scanRecordGJSON([]byte(s), &lib)
		if errHand == nil && errLib == nil && !reflect.DeepEqual(hand, lib) || (errHand == nil) != (errLib == nil) {
			t.Fatalf("hand %v %+v\ngjson %v %+v", errHand, hand, errLib, lib)
		}
	})
}
