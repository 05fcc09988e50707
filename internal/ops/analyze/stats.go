package analyze

import (
	"bytes"
	"io"
	"time"
)

// Filter selects the records analysed.
type Filter struct {
	// From and To bound the record timestamps, From inclusive and To
	// exclusive; zero values leave that side open.
	From, To time.Time
	// Window is the time bin of peak-rates (default 5 minutes).
	Window time.Duration
	// Operation is the operation top-callers counts.
	Operation string
}

// Stats is everything the analyses need from one pass over the logs.
type Stats struct {
	Window time.Duration
	Counts
	First int64 // earliest analysed timestamp (ms)
	Last  int64 // latest analysed timestamp (ms)
	NoPG  int64 // WAF records without poolguard fields (AWS's own logs)
	Trail int64 // CloudTrail events among the records

	ips      map[string]uint32
	ipNames  []string
	peaks    map[peakKey]int64
	clean    map[peakKey]int64 // allowed requests without a suspect label
	dropped  [numCategories]droppedCounts
	callers  map[uint32]int64 // requests to Filter.Operation by IP
	perIP    map[uint32]ipCounts
	bins     map[int64]*binCounts
	binMs    int64
	span     span
	targetOp []byte
}

type peakKey struct {
	cat Category
	ip  uint32
	bin int64
}

type ipCounts struct {
	requests, blocked, upstreamErrors, proxyErrors, suspect int64
}

// droppedCounts are a category's requests left out of recommendations.
type droppedCounts struct{ blocked, suspect int64 }

// binCounts are per-bin totals for the report's charts.
type binCounts struct {
	cat    [numCategories]int64
	action [numActions]int64
}

// The actions charted, by index.
const (
	actAllow = iota
	actBlock
	actCaptcha
	actChallenge
	actOther
	numActions
)

var actionNames = [numActions]string{"ALLOW", "BLOCK", "CAPTCHA", "CHALLENGE", "OTHER"}

func actionIndex(a []byte) int {
	switch string(a) {
	case "ALLOW":
		return actAllow
	case "BLOCK":
		return actBlock
	case "CAPTCHA":
		return actCaptcha
	case "CHALLENGE":
		return actChallenge
	}
	return actOther
}

func newStats(f Filter) *Stats {
	w := f.Window
	if w <= 0 {
		w = 5 * time.Minute
	}
	s := &Stats{
		Window: w, ips: map[string]uint32{}, peaks: map[peakKey]int64{}, clean: map[peakKey]int64{},
		callers: map[uint32]int64{}, perIP: map[uint32]ipCounts{}, bins: map[int64]*binCounts{},
		binMs: w.Milliseconds(), targetOp: []byte(f.Operation), span: newSpan(f.From, f.To),
	}
	return s
}

// ip interns a client address.
func (s *Stats) ip(b []byte) uint32 {
	if id, ok := s.ips[string(b)]; ok {
		return id
	}
	id := uint32(len(s.ipNames))
	name := string(b)
	s.ips[name] = id
	s.ipNames = append(s.ipNames, name)
	return id
}

// add counts one WAF log line.
func (s *Stats) add(line []byte, r *record) {
	if err := scanRecord(line, r); err != nil || !r.hasTS {
		s.Malformed++
		return
	}
	if !s.span.contains(r.ts) {
		s.Skipped++
		return
	}
	s.Records++
	s.addRecord(r)
}

// addRecord counts one record inside the time range (already counted in
// Records).
func (s *Stats) addRecord(r *record) {
	if s.Records == 1 || r.ts < s.First {
		s.First = r.ts
	}
	if r.ts > s.Last {
		s.Last = r.ts
	}
	switch {
	case r.trail:
		s.Trail++
	case !r.pg:
		s.NoPG++
	}
	cat := categorize(r)
	bin := floorDiv(r.ts, s.binMs)
	ip := s.ip(r.clientIP)
	s.peaks[peakKey{cat, ip, bin}]++

	act := actionIndex(r.action)
	c := s.perIP[ip]
	c.requests++
	switch {
	case act != actAllow && act != actOther:
		c.blocked++ // BLOCK, CAPTCHA or CHALLENGE: stopped, not served
		s.dropped[cat].blocked++
	case r.suspect:
		c.suspect++
		s.dropped[cat].suspect++
	default:
		s.clean[peakKey{cat, ip, bin}]++
	}
	switch {
	case r.upStatus >= 400:
		c.upstreamErrors++
	case r.proxyErr && act == actAllow:
		c.proxyErrors++ // the proxy's own errors; web ACL blocks are counted apart
	}
	s.perIP[ip] = c

	if len(s.targetOp) > 0 && bytes.Equal(operation(r), s.targetOp) {
		s.callers[ip]++
	}
	b := s.bins[bin]
	if b == nil {
		b = &binCounts{}
		s.bins[bin] = b
	}
	b.cat[cat]++
	b.action[act]++
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// Scan reads every file once and returns the statistics. Each file is a
// WAF log or a CloudTrail log (detected per file; CloudTrail's Cognito
// user pool events count as requests from their sourceIPAddress). stdin is
// read for the file name "-".
func Scan(files []string, f Filter, stdin io.Reader) (*Stats, error) {
	s := newStats(f)
	if err := readRecords(files, stdin, s.span, &s.Counts, s.addRecord); err != nil {
		return nil, err
	}
	return s, nil
}
