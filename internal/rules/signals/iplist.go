package signals

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gaissmai/bart"

	"github.com/poolguard/poolguard/internal/rules/email"
)

// Defaults for IP lists.
const (
	// DefaultListInterval is how often a list is refreshed.
	DefaultListInterval = time.Hour
	// DefaultMaxListBytes bounds one download or file.
	DefaultMaxListBytes = 256 << 20
)

// ListConfig describes an IP list.
type ListConfig struct {
	// Name identifies the list in logs and in the cache directory.
	Name string
	// Label is the fully-qualified label the list adds to requests from its
	// addresses, e.g. awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList.
	Label string
	// Source is a file path or an http(s) URL.
	Source string
	// Format is the list's text format.
	Format Format
	// Interval is how often Refresh fetches the source again when asked
	// through Due; DefaultListInterval when zero.
	Interval time.Duration
	// CacheFile, when set, receives each good copy, and is read when the
	// first fetch fails (so that a restart during an outage of the source
	// keeps the last good list).
	CacheFile string
	// Client fetches URLs; http.DefaultClient when nil.
	Client *http.Client
	// MaxBytes bounds a download or file; DefaultMaxListBytes when zero.
	MaxBytes int64
}

// ListStatus is what a List reports about its contents and refreshes.
type ListStatus struct {
	// Entries is the number of prefixes in the current table.
	Entries int
	// LoadedAt is when the current table was loaded; zero before the first.
	LoadedAt time.Time
	// CheckedAt is the time of the last refresh attempt.
	CheckedAt time.Time
	// LastError is the last refresh's error, or "" if it succeeded.
	LastError string
	// Failures counts failed refreshes since the last success.
	Failures int
}

// List is an IP list that labels the requests from its addresses.
//
// Contains is lock-free and safe for concurrent use with Refresh, which
// builds a new table and swaps it in: readers see the old list or the new.
// A failed refresh keeps the last good table.
type List struct {
	cfg   ListConfig
	table atomic.Pointer[bart.Lite]
	// domains holds a FormatDomains list.
	domains atomic.Pointer[email.Domains]
	status  atomic.Pointer[ListStatus]

	mu   sync.Mutex // serialises refreshes; guards good
	good validators // of the last good load
}

// validators identify a version of the source: HTTP's ETag and
// Last-Modified, or a file's modification time and size.
type validators struct {
	etag, modified string
	fileMod        time.Time
	fileSize       int64
}

// NewList checks cfg and returns an empty list; call Refresh to load it.
func NewList(cfg ListConfig) (*List, error) {
	var problems []string
	if cfg.Name == "" {
		problems = append(problems, "missing name")
	}
	if !(strings.HasPrefix(cfg.Label, "awswaf:") || strings.HasPrefix(cfg.Label, "poolguard:")) || strings.HasSuffix(cfg.Label, ":") {
		problems = append(problems, fmt.Sprintf("label %q must be a fully-qualified label (awswaf:... or poolguard:...)", cfg.Label))
	}
	if cfg.Source == "" {
		problems = append(problems, "missing source")
	}
	if !validFormat(cfg.Format) {
		problems = append(problems, fmt.Sprintf("unknown format %q", cfg.Format))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("ip list %s: %s", cfg.Name, strings.Join(problems, "; "))
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultListInterval
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxListBytes
	}
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	l := &List{cfg: cfg}
	l.status.Store(&ListStatus{})
	return l, nil
}

func validFormat(f Format) bool {
	for _, g := range Formats {
		if f == g {
			return true
		}
	}
	return false
}

// Name returns the list's name.
func (l *List) Name() string { return l.cfg.Name }

// Label returns the label the list adds.
func (l *List) Label() string { return l.cfg.Label }

// Status returns the list's current status.
func (l *List) Status() ListStatus { return *l.status.Load() }

// Contains reports whether a is in the list. An empty (never loaded) list
// contains nothing.
func (l *List) Contains(a netip.Addr) bool {
	t := l.table.Load()
	return t != nil && a.IsValid() && t.Lookup(a.Unmap())
}

// Due reports whether the list should be refreshed at now.
func (l *List) Due(now time.Time) bool {
	st := l.status.Load()
	if st.CheckedAt.IsZero() {
		return true
	}
	return !now.Before(st.CheckedAt.Add(l.cfg.Interval))
}

// errUnchanged says the source has not changed since the last load.
var errUnchanged = errors.New("unchanged")

// Refresh fetches the source at now and, if it parses into a non-empty
// list, swaps it in. On any failure the current table is kept and the error
// returned; on the first load, a failure falls back to CacheFile if set.
func (l *List) Refresh(ctx context.Context, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	data, val, err := l.fetch(ctx)
	if errors.Is(err, errUnchanged) {
		l.record(now, nil, -1)
		return nil
	}
	entries := 0
	if err == nil {
		entries, err = l.load(data)
	}
	if err != nil {
		err = fmt.Errorf("ip list %s: %w", l.cfg.Name, err)
		if !l.loaded() && l.cfg.CacheFile != "" {
			if n, cerr := l.loadCache(); cerr == nil {
				l.record(now, err, n)
				return fmt.Errorf("%w (serving the cached copy)", err)
			}
		}
		l.record(now, err, -1)
		return err
	}
	l.good = val
	l.record(now, nil, entries)
	l.saveCache(data)
	return nil
}

// load parses data in the list's format and swaps the result in; it
// returns the number of entries.
func (l *List) load(data []byte) (int, error) {
	if l.cfg.Format == FormatDomains {
		d, err := ParseDomains(data)
		if err != nil {
			return 0, err
		}
		l.domains.Store(d)
		return d.Len(), nil
	}
	prefixes, err := ParseList(data, l.cfg.Format)
	if err != nil {
		return 0, err
	}
	t := build(prefixes)
	l.table.Store(t)
	return t.Size(), nil
}

// loaded reports whether a list has been loaded.
func (l *List) loaded() bool { return l.table.Load() != nil || l.domains.Load() != nil }

// ContainsDomain reports whether the e-mail domain d (or a domain it is
// under) is in a domains list; an IP list contains no domain.
func (l *List) ContainsDomain(d string) bool { return l.domains.Load().Contains(d) }

// IsDomains reports whether the list is an e-mail domain list.
func (l *List) IsDomains() bool { return l.cfg.Format == FormatDomains }

// build returns a prefix table holding prefixes.
func build(prefixes []netip.Prefix) *bart.Lite {
	t := new(bart.Lite)
	for _, p := range prefixes {
		t.Insert(p)
	}
	return t
}

// record stores a refresh's outcome; entries < 0 keeps the count.
func (l *List) record(now time.Time, err error, entries int) {
	old := l.status.Load()
	st := &ListStatus{Entries: old.Entries, LoadedAt: old.LoadedAt, CheckedAt: now}
	if entries >= 0 {
		st.Entries, st.LoadedAt = entries, now
	}
	if err != nil {
		st.LastError, st.Failures = err.Error(), old.Failures+1
	}
	l.status.Store(st)
}

// fetch reads the source, or returns errUnchanged when a conditional
// request or the file's size and modification time say it has not changed
// since the last good load.
func (l *List) fetch(ctx context.Context) ([]byte, validators, error) {
	src := l.cfg.Source
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		return l.readFile(src)
	}
	var val validators
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, val, err
	}
	if l.loaded() {
		if l.good.etag != "" {
			req.Header.Set("If-None-Match", l.good.etag)
		}
		if l.good.modified != "" {
			req.Header.Set("If-Modified-Since", l.good.modified)
		}
	}
	resp, err := l.cfg.Client.Do(req)
	if err != nil {
		return nil, val, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && l.loaded():
		return nil, val, errUnchanged
	case resp.StatusCode != http.StatusOK:
		return nil, val, fmt.Errorf("GET %s: %s", redactURL(src), resp.Status)
	}
	data, err := readLimited(resp.Body, l.cfg.MaxBytes)
	if err != nil {
		return nil, val, fmt.Errorf("GET %s: %w", redactURL(src), err)
	}
	val.etag, val.modified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	return data, val, nil
}

func (l *List) readFile(path string) ([]byte, validators, error) {
	var val validators
	fi, err := os.Stat(path)
	if err != nil {
		return nil, val, err
	}
	val.fileMod, val.fileSize = fi.ModTime(), fi.Size()
	if l.loaded() && val == l.good {
		return nil, val, errUnchanged
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, val, err
	}
	defer f.Close()
	data, err := readLimited(f, l.cfg.MaxBytes)
	if err != nil {
		return nil, val, fmt.Errorf("%s: %w", path, err)
	}
	return data, val, nil
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

func (l *List) loadCache() (int, error) {
	data, err := os.ReadFile(l.cfg.CacheFile)
	if err != nil {
		return 0, err
	}
	return l.load(data)
}

// saveCache writes a good copy atomically (temporary file and rename);
// a failure only costs the fallback.
func (l *List) saveCache(data []byte) {
	if l.cfg.CacheFile == "" {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(l.cfg.CacheFile), ".iplist-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), l.cfg.CacheFile) != nil {
		_ = os.Remove(tmp.Name())
	}
}

// redactURL drops a URL's query and user info, which may hold an API key
// (some reputation feeds authenticate that way).
func redactURL(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "://"); i >= 0 {
		if at := strings.IndexByte(s[i+3:], '@'); at >= 0 && !strings.Contains(s[i+3:i+3+at], "/") {
			s = s[:i+3] + s[i+3+at+1:]
		}
	}
	return s
}
