// Package s3deliver delivers the WAF log to Amazon S3 the way AWS WAF
// does: gzip files under AWSLogs/ACCOUNT/WAFLogs/REGION/WEBACL/YYYY/MM/dd/HH/mm/,
// so AWS's Athena table for WAF logs reads them unchanged.
//
// Records are spooled to disk first, in a bounded directory, and uploaded
// every interval and on shutdown. A file is deleted only once S3 has
// accepted it, so a failed upload is retried, with backoff, and survives a
// restart; when the spool is full new records are dropped and counted.
package s3deliver

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/ops/waflog"
)

// Defaults for Options.
const (
	DefaultInterval        = 5 * time.Minute
	DefaultMaxSpoolBytes   = 1 << 30
	DefaultMaxSegmentBytes = 64 << 20
	DefaultMinBackoff      = time.Second
)

// Uploader stores one object. S3 implements it.
type Uploader interface {
	Put(ctx context.Context, key string, body io.ReadSeeker, size int64) error
}

// Options configures a Deliverer.
type Options struct {
	// Encoder turns Outcomes into records; give it the file log's options
	// so both hold the same records.
	Encoder *waflog.Encoder
	// Uploader stores the files.
	Uploader Uploader
	// Layout names the objects.
	Layout Layout
	// SpoolDir holds records until S3 has them; it is created if missing
	// and files left there by an earlier run are uploaded.
	SpoolDir string
	// MaxSpoolBytes bounds the spool (DefaultMaxSpoolBytes if 0); records
	// that do not fit are dropped and counted.
	MaxSpoolBytes int64
	// Interval is how often the records spooled are uploaded
	// (DefaultInterval if 0).
	Interval time.Duration
	// MaxSegmentBytes seals a file early when it grows this large
	// (DefaultMaxSegmentBytes if 0).
	MaxSegmentBytes int64
	// MinBackoff is the first retry delay after a failed upload
	// (DefaultMinBackoff if 0); it doubles up to Interval.
	MinBackoff time.Duration
	// Buffer is the queue length in records (waflog.DefaultBuffer if 0).
	Buffer int
	// Logf reports upload failures; nil discards them.
	Logf func(format string, args ...any)
}

// Deliverer is an observe.Observer that spools each Outcome's WAF log
// record and uploads the spool to S3. Observe never blocks. It is safe for
// concurrent use.
type Deliverer struct {
	o     Options
	queue chan *[]byte
	pool  sync.Pool

	mu     sync.RWMutex // guards closed against the send in Observe
	closed bool

	seals   chan chan struct{} // writer: seal now (after draining the queue)
	kick    chan struct{}      // uploader: new sealed segments
	flushes chan chan error    // uploader: upload now and report
	stop    chan context.Context
	stopped chan error
	wdone   chan struct{}

	spool           atomic.Int64 // bytes in the spool directory
	dropped         atomic.Uint64
	uploadedObjects atomic.Uint64
	uploadedRecords atomic.Uint64
	failures        atomic.Uint64

	// writer state (writer goroutine only)
	cur      *os.File
	bw       *bufio.Writer
	curSize  int64
	curFirst int64
	seq      int64
}

// New opens the spool, seals what an earlier run left in it and starts
// delivering. Close it on shutdown.
func New(o Options) (*Deliverer, error) {
	if o.Encoder == nil || o.Uploader == nil || o.SpoolDir == "" {
		return nil, errors.New("s3deliver: Encoder, Uploader and SpoolDir are required")
	}
	o.MaxSpoolBytes = cmp.Or(o.MaxSpoolBytes, DefaultMaxSpoolBytes)
	o.Interval = cmp.Or(o.Interval, DefaultInterval)
	o.MaxSegmentBytes = cmp.Or(o.MaxSegmentBytes, DefaultMaxSegmentBytes)
	o.MinBackoff = cmp.Or(o.MinBackoff, DefaultMinBackoff)
	o.Buffer = cmp.Or(o.Buffer, waflog.DefaultBuffer)
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if err := os.MkdirAll(o.SpoolDir, 0o750); err != nil {
		return nil, fmt.Errorf("s3deliver: %w", err)
	}
	d := &Deliverer{
		o: o, queue: make(chan *[]byte, o.Buffer),
		seals: make(chan chan struct{}), kick: make(chan struct{}, 1), flushes: make(chan chan error),
		stop: make(chan context.Context), stopped: make(chan error, 1), wdone: make(chan struct{}),
	}
	d.pool.New = func() any { b := make([]byte, 0, 2048); return &b }
	segs, size, err := listSegments(o.SpoolDir)
	if err != nil {
		return nil, fmt.Errorf("s3deliver: %w", err)
	}
	d.spool.Store(size)
	for _, s := range segs {
		d.seq = max(d.seq, s.seq+1)
	}
	if ms := firstTimestamp(d.path(currentName)); ms >= 0 { // a crash left records behind
		if err := os.Rename(d.path(currentName), d.path(plainName(ms, d.seq))); err != nil {
			return nil, fmt.Errorf("s3deliver: %w", err)
		}
		d.seq++
	}
	if err := d.open(); err != nil {
		return nil, err
	}
	go d.write()
	go d.upload()
	d.kick <- struct{}{} // upload what an earlier run left
	return d, nil
}

func (d *Deliverer) path(name string) string { return filepath.Join(d.o.SpoolDir, name) }

// Observe encodes o and queues its record. It implements observe.Observer.
func (d *Deliverer) Observe(o *observe.Outcome) {
	bp := d.pool.Get().(*[]byte)
	*bp = d.o.Encoder.Append((*bp)[:0], o)
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		d.dropped.Add(1)
		return
	}
	select {
	case d.queue <- bp:
	default:
		d.dropped.Add(1)
	}
}

// Dropped returns how many records were lost: queue full, spool full, a
// spool write failed, or observed after Close.
func (d *Deliverer) Dropped() uint64 { return d.dropped.Load() }

// Uploaded returns how many files S3 accepted.
func (d *Deliverer) Uploaded() uint64 { return d.uploadedObjects.Load() }

// UploadedRecords returns how many records those files held.
func (d *Deliverer) UploadedRecords() uint64 { return d.uploadedRecords.Load() }

// Failed returns how many uploads failed (each is retried).
func (d *Deliverer) Failed() uint64 { return d.failures.Load() }

// SpoolBytes returns the size of the spool directory.
func (d *Deliverer) SpoolBytes() int64 { return d.spool.Load() }

// Flush seals the records observed so far and uploads every spooled file
// once, returning the first upload error (the files stay spooled and are
// retried).
func (d *Deliverer) Flush(ctx context.Context) error {
	sealed := make(chan struct{})
	select {
	case d.seals <- sealed:
	case <-ctx.Done():
		return ctx.Err()
	}
	<-sealed
	reply := make(chan error, 1)
	select {
	case d.flushes <- reply:
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-reply
}

// Close stops accepting records, spools the queued ones and uploads the
// spool one last time within ctx. Files it could not upload stay in the
// spool directory for the next start; the error says so. Calling Close
// more than once returns nil.
func (d *Deliverer) Close(ctx context.Context) error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	close(d.queue)
	d.mu.Unlock()
	<-d.wdone
	d.stop <- ctx
	return <-d.stopped
}

// write appends queued records to the current file and seals it every
// interval, when it is large, on request and at the end.
func (d *Deliverer) write() {
	defer close(d.wdone)
	tick := time.NewTicker(d.o.Interval)
	defer tick.Stop()
	for {
		select {
		case bp, ok := <-d.queue:
			if !ok {
				d.seal()
				d.closeCurrent()
				return
			}
			d.append(bp)
			if len(d.queue) == 0 {
				d.flushBuf()
			}
		case <-tick.C:
			d.seal()
		case done := <-d.seals:
			for n := len(d.queue); n > 0; n-- {
				if bp, ok := <-d.queue; ok {
					d.append(bp)
				}
			}
			d.seal()
			close(done)
		}
	}
}

func (d *Deliverer) append(bp *[]byte) {
	defer d.put(bp)
	line := *bp
	if d.bw == nil || d.spool.Load()+int64(len(line)) > d.o.MaxSpoolBytes {
		d.dropped.Add(1)
		return
	}
	ms, ok := lineTimestamp(line)
	if !ok {
		ms = time.Now().UnixMilli()
	}
	if d.curSize > 0 && window(ms) != window(d.curFirst) {
		d.seal() // one file per five-minute folder, as AWS delivers
		if d.bw == nil {
			d.dropped.Add(1)
			return
		}
	}
	if d.curSize == 0 {
		d.curFirst = ms
	}
	if _, err := d.bw.Write(line); err != nil {
		d.dropped.Add(1)
		d.o.Logf("s3deliver: spool write: %v", err)
		return
	}
	d.curSize += int64(len(line))
	d.spool.Add(int64(len(line)))
	if d.curSize >= d.o.MaxSegmentBytes {
		d.seal()
	}
}

// window returns the five-minute folder of a timestamp in ms.
func window(ms int64) int64 { return ms / (FolderMinutes * 60_000) }

func (d *Deliverer) put(bp *[]byte) {
	if cap(*bp) <= 64<<10 {
		d.pool.Put(bp)
	}
}

func (d *Deliverer) flushBuf() {
	if d.bw != nil {
		if err := d.bw.Flush(); err != nil {
			d.o.Logf("s3deliver: spool write: %v", err)
		}
	}
}

// open starts a new current file.
func (d *Deliverer) open() error {
	f, err := os.OpenFile(d.path(currentName), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("s3deliver: %w", err)
	}
	d.cur, d.bw, d.curSize = f, bufio.NewWriterSize(f, 256<<10), 0
	return nil
}

func (d *Deliverer) closeCurrent() {
	if d.cur != nil {
		d.cur.Close()
		os.Remove(d.path(currentName)) // empty: seal moved any records
		d.cur, d.bw = nil, nil
	}
}

// seal turns a non-empty current file into a segment and tells the
// uploader.
func (d *Deliverer) seal() {
	if d.bw == nil { // the last open failed: try again
		if err := d.open(); err != nil {
			d.o.Logf("%v (records are dropped until it can be opened)", err)
		}
		return
	}
	if d.curSize == 0 {
		return
	}
	d.flushBuf()
	d.cur.Close()
	d.cur, d.bw = nil, nil
	if err := os.Rename(d.path(currentName), d.path(plainName(d.curFirst, d.seq))); err != nil {
		// Keep appending to the same file; sealing is retried next time.
		d.o.Logf("s3deliver: sealing the spool file: %v", err)
		if f, err := os.OpenFile(d.path(currentName), os.O_WRONLY|os.O_APPEND, 0o640); err == nil {
			d.cur, d.bw = f, bufio.NewWriterSize(f, 256<<10)
		}
		return
	}
	d.seq++
	if err := d.open(); err != nil {
		d.o.Logf("%v (records are dropped until it can be opened)", err)
	}
	select {
	case d.kick <- struct{}{}:
	default:
	}
}
