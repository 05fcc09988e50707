package s3deliver

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/ops/waflog"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

var t0 = time.Date(2025, 3, 14, 15, 3, 0, 0, time.UTC)

var layout = Layout{Prefix: "logs", Account: "111122223333", Region: "eu-west-1", WebACL: "poolguard"}

func encoder(t testing.TB) *waflog.Encoder {
	enc, err := waflog.NewEncoder(waflog.EncoderOptions{Region: layout.Region, Account: layout.Account})
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// outcome returns request i, at t0 + i seconds.
func outcome(i int) *observe.Outcome {
	v := &request.View{Method: "POST", Path: "/", Header: http.Header{}, Proto: "HTTP/1.1", Operation: "InitiateAuth",
		ClientIP: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), RequestID: fmt.Sprintf("req-%d", i)}
	v.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	return &observe.Outcome{Start: t0.Add(time.Duration(i) * time.Second), View: v, WebACLName: "poolguard", Status: 200,
		Verdict: &waf.Verdict{Action: waf.ActionAllow, TerminatingRuleID: waf.DefaultActionID}}
}

// memS3 is an Uploader that keeps objects in memory and fails while down.
type memS3 struct {
	mu      sync.Mutex
	objects map[string][]byte
	down    bool
	puts    chan string // receives each stored key, if not nil
}

func newMem() *memS3 { return &memS3{objects: map[string][]byte{}} }

func (m *memS3) Put(ctx context.Context, key string, body io.ReadSeeker, size int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errors.New("connection refused")
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if int64(len(b)) != size {
		return fmt.Errorf("size %d, read %d", size, len(b))
	}
	m.objects[key] = b
	if m.puts != nil {
		m.puts <- key
	}
	return nil
}

func (m *memS3) setDown(down bool) { m.mu.Lock(); m.down = down; m.mu.Unlock() }

// contents returns the sorted keys and the objects' records, sorted
// (within a minute folder the keys order by hash, not time).
func (m *memS3) contents(t *testing.T) (keys []string, records string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.objects {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var all strings.Builder
	for _, k := range keys {
		all.WriteString(gunzip(t, m.objects[k]))
	}
	return keys, sortLines(all.String())
}

// sortLines returns the lines of s sorted, each ending in '\n'.
func sortLines(s string) string {
	lines := strings.SplitAfter(s, "\n")
	slices.Sort(lines)
	return strings.Join(lines, "")
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func newDeliverer(t *testing.T, dir string, up Uploader, mod func(*Options)) *Deliverer {
	t.Helper()
	o := Options{Encoder: encoder(t), Uploader: up, Layout: layout, SpoolDir: dir, Interval: time.Hour, MinBackoff: time.Millisecond}
	if mod != nil {
		mod(&o)
	}
	d, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// observe sends requests from..to-1 to d and returns their records.
func observeRange(t *testing.T, d *Deliverer, from, to int) string {
	enc := encoder(t)
	var want []byte
	for i := from; i < to; i++ {
		o := outcome(i)
		d.Observe(o)
		want = enc.Append(want, o)
	}
	return string(want)
}

func TestDeliver(t *testing.T) {
	mem := newMem()
	d := newDeliverer(t, t.TempDir(), mem, nil)
	want := observeRange(t, d, 0, 100) // 15:03:00 .. 15:04:39
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	want += observeRange(t, d, 200, 250) // 15:06:20 .. 15:07:09
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys, got := mem.contents(t)
	if got != sortLines(want) {
		t.Errorf("uploaded records differ from the encoded ones")
	}
	if len(keys) != 2 || !strings.HasPrefix(keys[0], "logs/AWSLogs/111122223333/WAFLogs/eu-west-1/poolguard/2025/03/14/15/00/111122223333_waflogs_eu-west-1_poolguard_20250314T1500Z_") ||
		!strings.HasPrefix(keys[1], "logs/AWSLogs/111122223333/WAFLogs/eu-west-1/poolguard/2025/03/14/15/05/111122223333_waflogs_eu-west-1_poolguard_20250314T1505Z_") {
		t.Errorf("keys %q", keys)
	}
	if d.Uploaded() != 2 || d.UploadedRecords() != 150 || d.Dropped() != 0 || d.Failed() != 0 || d.SpoolBytes() != 0 {
		t.Errorf("uploaded %d (%d records), dropped %d, failed %d, spool %d", d.Uploaded(), d.UploadedRecords(), d.Dropped(), d.Failed(), d.SpoolBytes())
	}
	d.Observe(outcome(1))
	if d.Dropped() != 1 {
		t.Error("a record after Close was not counted as dropped")
	}
}

// TestDeliverRetry: S3 fails, the records stay spooled, and the
// background retry delivers them all once S3 is back.
func TestDeliverRetry(t *testing.T) {
	mem := newMem()
	mem.setDown(true)
	dir := t.TempDir()
	d := newDeliverer(t, dir, mem, nil)
	want := observeRange(t, d, 0, 50)
	if err := d.Flush(context.Background()); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("flush while S3 is down: %v", err)
	}
	if d.Failed() == 0 || d.SpoolBytes() == 0 {
		t.Fatalf("failed %d, spool %d", d.Failed(), d.SpoolBytes())
	}
	want += observeRange(t, d, 50, 80)
	if err := d.Flush(context.Background()); err == nil {
		t.Fatal("second flush while down succeeded")
	}
	mem.mu.Lock()
	mem.down, mem.puts = false, make(chan string, 10)
	mem.mu.Unlock()
	for range 2 { // the backoff timer, not a Flush, uploads the two files
		select {
		case <-mem.puts:
		case <-time.After(10 * time.Second):
			t.Fatal("no retry within 10s")
		}
	}
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, got := mem.contents(t); got != sortLines(want) {
		t.Errorf("records lost or changed:\n got %d bytes\nwant %d bytes", len(got), len(want))
	}
	if d.Dropped() != 0 || d.UploadedRecords() != 80 {
		t.Errorf("dropped %d, uploaded records %d", d.Dropped(), d.UploadedRecords())
	}
}

// TestDeliverRestart: a shutdown while S3 is down leaves the records in
// the spool; the next start uploads them.
func TestDeliverRestart(t *testing.T) {
	dir := t.TempDir()
	down := newMem()
	down.setDown(true)
	d := newDeliverer(t, dir, down, nil)
	want := observeRange(t, d, 0, 30)
	if err := d.Close(context.Background()); err == nil || !strings.Contains(err.Error(), "stay in") {
		t.Fatalf("close while down: %v", err)
	}
	// A crash also left a current file with a torn last line.
	extra := observeRange(t, newDiscard(t), 40, 42)
	os.WriteFile(filepath.Join(dir, currentName), []byte(extra+`{"timestamp":17`), 0o640)
	want += extra

	mem := newMem()
	d2 := newDeliverer(t, dir, mem, nil)
	if err := d2.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys, got := mem.contents(t)
	if got != sortLines(want) || len(keys) != 2 {
		t.Errorf("after restart: %d objects, records equal: %v", len(keys), got == want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("spool not empty: %v", entries)
	}
}

// newDiscard returns a closed Deliverer, used only for its Observe/encode
// path in observeRange.
func newDiscard(t *testing.T) *Deliverer {
	d := newDeliverer(t, t.TempDir(), newMem(), nil)
	d.Close(context.Background())
	return d
}

func TestSpoolBound(t *testing.T) {
	mem := newMem()
	mem.setDown(true)
	line := len(encoder(t).Append(nil, outcome(0)))
	d := newDeliverer(t, t.TempDir(), mem, func(o *Options) { o.MaxSpoolBytes = int64(10*line + line/2) })
	observeRange(t, d, 0, 25)
	d.Flush(context.Background())
	if d.Dropped() < 14 || d.Dropped() > 16 {
		t.Errorf("dropped %d of 25 with room for ~10", d.Dropped())
	}
	kept := 25 - d.Dropped()
	mem.setDown(false)
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d.UploadedRecords() != kept {
		t.Errorf("uploaded %d, kept %d", d.UploadedRecords(), kept)
	}
}

func TestNextBackoff(t *testing.T) {
	tests := []struct{ cur, want time.Duration }{
		{0, time.Second}, {time.Second, 2 * time.Second}, {40 * time.Second, time.Minute}, {time.Minute, time.Minute},
	}
	for _, tt := range tests {
		if got := nextBackoff(tt.cur, time.Second, time.Minute); got != tt.want {
			t.Errorf("nextBackoff(%v) = %v, want %v", tt.cur, got, tt.want)
		}
	}
}

func TestParseSegment(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
		want segment
	}{
		{plainName(1741964580000, 3), true, segment{ms: 1741964580000, seq: 3}},
		{gzName(1741964580000, 3, "0a1b2c3d", 42), true, segment{ms: 1741964580000, seq: 3, hash: "0a1b2c3d", records: 42, gz: true}},
		{"current.log", false, segment{}},
		{"seg-x-1.log", false, segment{}},
		{"seg-1-2-3.log", false, segment{}},
		{"other.log.gz", false, segment{}},
	} {
		s, ok := parseSegment(tt.name)
		tt.want.name = tt.name
		if ok != tt.ok || ok && s != tt.want {
			t.Errorf("%s: %+v %v", tt.name, s, ok)
		}
	}
}
