package s3deliver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// upload compresses and uploads sealed segments when told to, retrying
// failures with backoff, until Close.
func (d *Deliverer) upload() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var retry <-chan time.Time
	backoff := time.Duration(0)
	for {
		select {
		case <-d.kick:
		case <-retry:
		case reply := <-d.flushes:
			reply <- d.uploadAll(ctx)
			continue
		case stopCtx := <-d.stop:
			err := d.uploadAll(stopCtx)
			if err != nil {
				err = fmt.Errorf("s3deliver: records stay in %s for the next start: %w", d.o.SpoolDir, err)
			}
			d.stopped <- err
			return
		}
		if err := d.uploadAll(ctx); err != nil {
			backoff = nextBackoff(backoff, d.o.MinBackoff, d.o.Interval)
			d.o.Logf("s3deliver: %v (retrying in %v)", err, backoff)
			retry = time.After(backoff)
			continue
		}
		backoff, retry = 0, nil
	}
}

// nextBackoff doubles the delay from lo, up to hi.
func nextBackoff(cur, lo, hi time.Duration) time.Duration {
	if cur <= 0 {
		return min(lo, hi)
	}
	return min(cur*2, hi)
}

// uploadAll uploads every sealed segment, oldest first, and stops at the
// first failure, so files reach S3 in order.
func (d *Deliverer) uploadAll(ctx context.Context) error {
	segs, _, err := listSegments(d.o.SpoolDir)
	if err != nil {
		return err
	}
	for _, s := range segs {
		if !s.gz {
			var delta int64
			if s, delta, err = compress(d.o.SpoolDir, s); err != nil {
				return fmt.Errorf("compressing %s: %w", s.name, err)
			}
			d.spool.Add(delta)
		}
		if err := d.put1(ctx, s); err != nil {
			d.failures.Add(1)
			return err
		}
	}
	return nil
}

// put1 uploads one ready segment and deletes it.
func (d *Deliverer) put1(ctx context.Context, s segment) error {
	f, err := os.Open(d.path(s.name))
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	key := d.o.Layout.Key(time.UnixMilli(s.ms), s.hash)
	if err := d.o.Uploader.Put(ctx, key, f, info.Size()); err != nil {
		return fmt.Errorf("uploading %s: %w", key, err)
	}
	if err := os.Remove(d.path(s.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	d.spool.Add(-info.Size())
	d.uploadedObjects.Add(1)
	d.uploadedRecords.Add(uint64(s.records))
	return nil
}
