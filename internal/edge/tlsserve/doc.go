// Package tlsserve makes the public listener serve HTTPS: a tls.Config
// with modern defaults (TLS 1.2+, AEAD ECDHE suites only, HTTP/2 and
// HTTP/1.1 by ALPN), a certificate either read from PEM files and reloaded
// when they change or obtained and renewed over ACME (HTTP-01 and
// TLS-ALPN-01, golang.org/x/crypto/acme/autocert), and an optional
// plain-HTTP listener that redirects to HTTPS and answers HTTP-01
// challenges.
//
// Certificate files are polled, not watched: the next TLS handshake after
// reload_interval stats both files (following symlinks) and reloads the
// pair when the modification time, size, inode or device of either
// changed. That catches every way renewals replace files (certbot's
// symlink swap in live/, cert-manager's and Kubernetes' ..data directory
// swap, an atomic rename, an in-place write) without a watcher goroutine,
// without watching directories that are themselves replaced, and without
// a dependency. A pair that does not load (the key written before the
// certificate) is retried at the next interval; the last good pair keeps
// being served meanwhile.
package tlsserve
