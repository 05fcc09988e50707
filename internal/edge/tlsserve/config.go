package tlsserve

import (
	"crypto/tls"

	"github.com/poolguard/poolguard/internal/config"
)

// suites are the TLS 1.2 cipher suites offered: ECDHE key exchange with
// AEAD ciphers only (no CBC, no RSA key exchange, no 3DES). TLS 1.3's
// suites are not configurable and all strong.
var suites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// baseConfig returns the server tls.Config without a certificate source:
// minVersion 1.3 or TLS 1.2, the suites above, HTTP/2 then HTTP/1.1 by
// ALPN.
func baseConfig(minVersion config.TLSVersion) *tls.Config {
	c := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		CipherSuites: suites,
		NextProtos:   []string{"h2", "http/1.1"},
	}
	if minVersion == config.TLS13 {
		c.MinVersion = tls.VersionTLS13
	}
	return c
}
