package tlsserve

import (
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/poolguard/poolguard/internal/testkit/tlstest"
)

// The Frontend reports the served certificate's NotAfter from the start,
// for poolguard_tls_certificate_expiry_timestamp_seconds.
func TestCertificateExpiry(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	leaf, c := pairFiles(t, ca, "gen-1")
	f, err := New(c, "127.0.0.1:8443", nil)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(leaf.ChainPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := f.CertificateExpiry()
	if !ok || got.Unix() != cert.NotAfter.Unix() {
		t.Errorf("CertificateExpiry() = %v, %v; want %v", got, ok, cert.NotAfter)
	}
	if _, ok := (&Frontend{}).CertificateExpiry(); ok {
		t.Error("a Frontend that served nothing reported an expiry")
	}
}
