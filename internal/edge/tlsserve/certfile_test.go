package tlsserve

import (
	"crypto/tls"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/testkit/tlstest"
)

// servedSerial opens a new connection to addr and returns the serial of
// the certificate it was served.
func servedSerial(t *testing.T, ca *tlstest.CA, addr string) *big.Int {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber
}

// TestRotationPickedUpOnNewConnection replaces the files the ways renewal
// tools do and checks that the next connection gets the new certificate,
// without a restart.
func TestRotationPickedUpOnNewConnection(t *testing.T) {
	for _, tc := range []struct {
		name    string
		replace func(t *testing.T, l *tlstest.Leaf, certPath, keyPath string)
	}{
		{"rename over (certbot, most tools)", func(t *testing.T, l *tlstest.Leaf, c, k string) { tlstest.WritePair(t, l, c, k) }},
		{"write in place", func(t *testing.T, l *tlstest.Leaf, certPath, keyPath string) {
			writeFile(t, certPath, l.ChainPEM)
			writeFile(t, keyPath, l.KeyPEM)
		}},
		{"symlinked directory swap (Kubernetes secret volume)", swapDataDir},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ca := tlstest.NewCA(t, "test CA")
			dir := t.TempDir()
			certPath, keyPath := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
			first := ca.Issue(t, "gen-1", "localhost")
			tc.replace(t, first, certPath, keyPath)
			c := pairConfig(certPath, keyPath)
			_, addr := fileServer(t, ca, c)
			if got := servedSerial(t, ca, addr); got.Cmp(first.Serial) != 0 {
				t.Fatalf("served serial %v, want %v", got, first.Serial)
			}
			second := ca.Issue(t, "gen-2", "localhost")
			tc.replace(t, second, certPath, keyPath)
			if got := servedSerial(t, ca, addr); got.Cmp(second.Serial) != 0 {
				t.Fatalf("after rotation served serial %v, want the new %v", got, second.Serial)
			}
		})
	}
}

// TestHalfWrittenPairKeepsServing: a certificate written before its key
// does not load; the previous pair stays until the key arrives.
func TestHalfWrittenPairKeepsServing(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	first, second := ca.Issue(t, "gen-1", "localhost"), ca.Issue(t, "gen-2", "localhost")
	tlstest.WritePair(t, first, certPath, keyPath)
	cf, err := LoadCertFile(certPath, keyPath, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	tlstest.WriteAtomic(t, certPath, second.ChainPEM)
	if changed, err := cf.Reload(); changed || err == nil {
		t.Fatalf("Reload with a mismatched pair = %v, %v; want an error", changed, err)
	}
	if got := leafSerial(t, cf); got.Cmp(first.Serial) != 0 {
		t.Fatalf("serving %v, want the previous %v", got, first.Serial)
	}
	tlstest.WriteAtomic(t, keyPath, second.KeyPEM)
	if got := leafSerial(t, cf); got.Cmp(second.Serial) != 0 {
		t.Fatalf("serving %v once the key arrived, want %v", got, second.Serial)
	}
}

// TestReloadInterval: files are checked at most once per interval, on a
// handshake.
func TestReloadInterval(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	first, second := ca.Issue(t, "gen-1", "localhost"), ca.Issue(t, "gen-2", "localhost")
	tlstest.WritePair(t, first, certPath, keyPath)
	cf, err := LoadCertFile(certPath, keyPath, time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cf.now = func() time.Time { return now }
	_ = leafSerial(t, cf) // the first check, at now
	tlstest.WritePair(t, second, certPath, keyPath)
	for _, step := range []struct {
		after time.Duration
		want  *big.Int
	}{{30 * time.Second, first.Serial}, {59 * time.Second, first.Serial}, {time.Minute, second.Serial}} {
		now = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(step.after)
		if got := leafSerial(t, cf); got.Cmp(step.want) != 0 {
			t.Errorf("after %v serving %v, want %v", step.after, got, step.want)
		}
	}
}

func leafSerial(t *testing.T, cf *CertFile) *big.Int {
	t.Helper()
	c, err := cf.GetCertificate(&tls.ClientHelloInfo{ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	return c.Leaf.SerialNumber
}

// swapDataDir lays the pair out as a Kubernetes secret volume does:
// tls.crt -> ..data/tls.crt, ..data -> ..<version>, and swaps ..data
// atomically to a new version directory.
func swapDataDir(t *testing.T, l *tlstest.Leaf, certPath, keyPath string) {
	dir := filepath.Dir(certPath)
	version, err := os.MkdirTemp(dir, "..v-")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(version, "tls.crt"), l.ChainPEM)
	writeFile(t, filepath.Join(version, "tls.key"), l.KeyPEM)
	tmp := filepath.Join(dir, "..data_tmp")
	if err := os.Symlink(filepath.Base(version), tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{certPath, keyPath} {
		if _, err := os.Lstat(p); err != nil {
			if err := os.Symlink(filepath.Join("..data", filepath.Base(p)), p); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
