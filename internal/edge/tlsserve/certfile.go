package tlsserve

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"
)

// CertFile serves a certificate and key read from PEM files and reloads
// them when either file changes. It is safe for concurrent use.
type CertFile struct {
	certPath, keyPath string
	interval          time.Duration
	log               *slog.Logger
	now               func() time.Time

	cur      atomic.Pointer[loadedPair]
	next     atomic.Int64 // unix nanoseconds of the next check
	checking atomic.Bool
}

// loadedPair is a certificate and the stamps of the files it came from.
type loadedPair struct {
	cert  *tls.Certificate
	stamp [2]fileStamp
}

// fileStamp identifies one version of a file.
type fileStamp struct {
	mod      time.Time
	size     int64
	ino, dev uint64
}

// LoadCertFile reads the pair at certPath and keyPath, which must load,
// and returns a CertFile that checks them for changes at most every
// interval (on every handshake when interval is 0).
func LoadCertFile(certPath, keyPath string, interval time.Duration, log *slog.Logger) (*CertFile, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &CertFile{certPath: certPath, keyPath: keyPath, interval: interval, log: log, now: time.Now}
	if _, err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// GetCertificate returns the current certificate, first reloading the
// files if the interval has passed and they changed. It has the signature
// of tls.Config.GetCertificate.
func (c *CertFile) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	now := c.now()
	if now.UnixNano() >= c.next.Load() && c.checking.CompareAndSwap(false, true) {
		// One handshake checks; the others serve the current pair.
		c.next.Store(now.Add(c.interval).UnixNano())
		if _, err := c.Reload(); err != nil {
			c.log.Warn("tls: certificate files changed but do not load; serving the previous certificate",
				"cert_file", c.certPath, "key_file", c.keyPath, "err", err)
		}
		c.checking.Store(false)
	}
	return c.cur.Load().cert, nil
}

// Reload loads the files if they changed since the last successful load
// and reports whether it did. On error the current pair stays.
func (c *CertFile) Reload() (bool, error) {
	var stamp [2]fileStamp
	for i, p := range []string{c.certPath, c.keyPath} {
		fi, err := os.Stat(p)
		if err != nil {
			return false, err
		}
		stamp[i] = stampOf(fi)
	}
	if old := c.cur.Load(); old != nil && old.stamp == stamp {
		return false, nil
	}
	cert, err := tls.LoadX509KeyPair(c.certPath, c.keyPath)
	if err != nil {
		return false, fmt.Errorf("tls: %w", err)
	}
	c.cur.Store(&loadedPair{cert: &cert, stamp: stamp})
	c.log.Info("tls: certificate loaded", "cert_file", c.certPath, "subject", cert.Leaf.Subject.String(),
		"not_after", cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	return true, nil
}

// Certificate returns the certificate being served.
func (c *CertFile) Certificate() *tls.Certificate { return c.cur.Load().cert }
