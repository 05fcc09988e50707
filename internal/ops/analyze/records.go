package analyze

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// Counts are the totals of reading log files.
type Counts struct {
	Records   int64 // records analysed (inside the time range)
	Skipped   int64 // well-formed records outside the time range
	Malformed int64 // lines or CloudTrail events that are not records
	Foreign   int64 // CloudTrail events of other services than Cognito user pools
	Bytes     int64 // bytes read (after decompression)
}

// span is a half-open time range in Unix milliseconds.
type span struct{ from, to int64 }

func newSpan(from, to time.Time) span {
	s := span{from: -1 << 63, to: 1<<63 - 1}
	if !from.IsZero() {
		s.from = from.UnixMilli()
	}
	if !to.IsZero() {
		s.to = to.UnixMilli()
	}
	return s
}

func (s span) contains(ms int64) bool { return ms >= s.from && ms < s.to }

// readRecords reads the files in order, each a WAF log or CloudTrail log
// (detected per file, plain or gzip), and calls fn for every well-formed
// record inside sp; CloudTrail events of other services are counted, not
// passed. r is reused for every record and valid only during fn.
func readRecords(files []string, stdin io.Reader, sp span, c *Counts, fn func(r *record)) error {
	var r record
	for _, name := range files {
		in, closeFn, err := openLog(name, stdin)
		if err != nil {
			return err
		}
		err = readOne(in, sp, c, &r, fn)
		closeFn()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func readOne(in io.Reader, sp span, c *Counts, r *record, fn func(r *record)) error {
	br, ok := in.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(in, readBufferSize)
	}
	take := func(valid bool) {
		switch {
		case !valid || !r.hasTS:
			c.Malformed++
		case !sp.contains(r.ts):
			c.Skipped++
		default:
			c.Records++
			fn(r)
		}
	}
	switch detectFormat(br) {
	case formatTrailFile:
		b, err := io.ReadAll(br) // CloudTrail delivers files of a few MB at most
		c.Bytes += int64(len(b))
		if err != nil {
			return err
		}
		err = eachTrailRecord(b, func(b []byte, i int) (int, error) {
			j, cognito, err := scanTrailEvent(b, i, r)
			if err == nil && !cognito {
				c.Foreign++
				return j, nil
			}
			take(err == nil)
			return j, err
		})
		if err != nil {
			c.Malformed++
		}
		return nil
	case formatTrailLines:
		n, err := eachLine(br, func(line []byte) {
			_, cognito, err := scanTrailEvent(line, skipWS(line, 0), r)
			if err == nil && !cognito {
				c.Foreign++
				return
			}
			take(err == nil)
		})
		c.Bytes += n
		return err
	}
	n, err := eachLine(br, func(line []byte) { take(scanRecord(line, r) == nil) })
	c.Bytes += n
	return err
}
