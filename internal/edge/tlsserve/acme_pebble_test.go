package tlsserve

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/config"
)

// Pebble, Let's Encrypt's ACME test server, and its DNS companion are
// built from the Go module proxy at this version.
const pebbleModule = "github.com/letsencrypt/pebble/v2"
const pebbleVersion = "v2.10.1"

// requirePebbleEnv, set to "1", turns the skip when Pebble cannot be built
// into a failure.
const requirePebbleEnv = "POOLGUARD_REQUIRE_PEBBLE"

// TestACMEAgainstPebble obtains a certificate from Pebble with real
// validation: Pebble resolves the domain through pebble-challtestsrv's DNS
// (every name is 127.0.0.1) and connects to the proxy's TLS listener for
// TLS-ALPN-01, or, when that port is closed, to the redirect listener for
// HTTP-01. The certificate served afterwards chains to Pebble's root.
func TestACMEAgainstPebble(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs Pebble")
	}
	bin, src := buildPebble(t)
	for _, tc := range []struct {
		name     string
		tlsALPN  bool // Pebble validates on the TLS listener; else only HTTP-01 works
		wantHTTP bool
	}{{"tls-alpn-01 on the TLS listener", true, false}, {"http-01 on the redirect listener", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			tlsL, httpL := listenLocal(t), listenLocal(t)
			tlsPort := port(tlsL.Addr().String())
			if !tc.tlsALPN {
				tlsPort = port(freeAddr(t))
			}
			dir, roots := startPebble(t, bin, src, port(httpL.Addr().String()), tlsPort)
			domain := "proxy.poolguard.test"
			f, err := New(&config.TLS{MinVersion: "1.2", ACME: &config.ACME{
				Domains: []string{domain}, Email: "ops@poolguard.test", CacheDir: filepath.Join(t.TempDir(), "acme"),
				DirectoryURL: dir, CAFile: filepath.Join(src, "test/certs/pebble.minica.pem"), RenewBefore: 24 * time.Hour,
			}}, tlsL.Addr().String(), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			var challenges counter
			srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, r.Proto)
			})}
			go func() { _ = srv.Serve(f.Listener(tlsL)) }()
			t.Cleanup(func() { _ = srv.Close() })
			redirect := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: challenges.wrap(f.RedirectHandler())}
			go func() { _ = redirect.Serve(httpL) }()
			t.Cleanup(func() { _ = redirect.Close() })

			start := time.Now()
			tr := &http.Transport{
				TLSClientConfig:   &tls.Config{RootCAs: roots(t), ServerName: domain},
				ForceAttemptHTTP2: true,
				DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, network, tlsL.Addr().String())
				},
			}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr, Timeout: time.Minute}).Get("https://" + domain + "/")
			if err != nil {
				t.Fatalf("first HTTPS request (certificate obtained on demand): %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			leaf := resp.TLS.PeerCertificates[0]
			t.Logf("issued in %v: subject %v, issuer %v, SANs %v; served over %s", time.Since(start).Round(time.Millisecond),
				leaf.Subject, leaf.Issuer, leaf.DNSNames, body)
			if string(body) != "HTTP/2.0" || len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != domain {
				t.Errorf("served %s with SANs %v", body, leaf.DNSNames)
			}
			if got := challenges.n(); (got > 0) != tc.wantHTTP {
				t.Errorf("redirect listener answered %d HTTP-01 challenge requests; want some: %v", got, tc.wantHTTP)
			}
			// Another name gets nothing.
			if _, err := tls.Dial("tcp", tlsL.Addr().String(), &tls.Config{ServerName: "other.poolguard.test", InsecureSkipVerify: true}); err == nil {
				t.Error("a handshake for an unlisted name succeeded")
			}
		})
	}
}

// counter counts ACME HTTP-01 requests.
type counter struct{ c chan struct{} }

func (c *counter) wrap(h http.Handler) http.Handler {
	c.c = make(chan struct{}, 100)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/.well-known/acme-challenge/") {
			select {
			case c.c <- struct{}{}:
			default:
			}
		}
		h.ServeHTTP(w, r)
	})
}

func (c *counter) n() int { return len(c.c) }

// buildPebble builds pebble and pebble-challtestsrv and returns their
// directory and Pebble's module source (for its test certificates).
func buildPebble(t *testing.T) (bin, src string) {
	t.Helper()
	bin = t.TempDir()
	skip := func(format string, args ...any) {
		t.Helper()
		if os.Getenv(requirePebbleEnv) == "1" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format+" (set "+requirePebbleEnv+"=1 to fail instead)", args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", pebbleModule+"/cmd/pebble@"+pebbleVersion, pebbleModule+"/cmd/pebble-challtestsrv@"+pebbleVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		skip("building Pebble: %v\n%s", err, out)
	}
	out, err := exec.CommandContext(ctx, "go", "mod", "download", "-json", pebbleModule+"@"+pebbleVersion).Output()
	if err != nil {
		skip("locating Pebble's source: %v", err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		skip("locating Pebble's source: %v %s", err, out)
	}
	return bin, mod.Dir
}

// startPebble starts pebble-challtestsrv (DNS only, every A query answered
// 127.0.0.1) and Pebble validating on httpPort and tlsPort. It returns the
// directory URL and a function returning Pebble's current root pool.
func startPebble(t *testing.T, bin, src, httpPort, tlsPort string) (string, func(*testing.T) *x509.CertPool) {
	t.Helper()
	dns, mgmt, acmeAddr, pebbleMgmt := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	start(t, nil, filepath.Join(bin, "pebble-challtestsrv"), "-dnsserver", dns, "-management", mgmt,
		"-http01", "", "-https01", "", "-doh", "", "-tlsalpn01", "", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "")
	conf := map[string]any{"pebble": map[string]any{
		"listenAddress": acmeAddr, "managementListenAddress": pebbleMgmt,
		"certificate": filepath.Join(src, "test/certs/localhost/cert.pem"), "privateKey": filepath.Join(src, "test/certs/localhost/key.pem"),
		"httpPort": atoi(httpPort), "tlsPort": atoi(tlsPort), "ocspResponderURL": "", "externalAccountBindingRequired": false,
		"retryAfter": map[string]int{"authz": 1, "order": 1}, "keyAlgorithm": "ecdsa",
		"profiles": map[string]any{"default": map[string]any{"description": "test", "validityPeriod": 7776000}},
	}}
	data, _ := json.Marshal(conf)
	path := filepath.Join(t.TempDir(), "pebble.json")
	writeFile(t, path, data)
	start(t, []string{"PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0"}, filepath.Join(bin, "pebble"), "-config", path, "-dnsserver", dns)

	minica, err := os.ReadFile(filepath.Join(src, "test/certs/pebble.minica.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(minica)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	dir := "https://localhost:" + port(acmeAddr) + "/dir"
	waitFor(t, client, dir)
	roots := func(t *testing.T) *x509.CertPool {
		t.Helper()
		resp, err := client.Get("https://localhost:" + port(pebbleMgmt) + "/roots/0")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		pem, _ := io.ReadAll(resp.Body)
		p := x509.NewCertPool()
		if !p.AppendCertsFromPEM(pem) {
			t.Fatalf("Pebble's root: %s", pem)
		}
		return p
	}
	return dir, roots
}

// start runs a command until the test ends, then kills it by its PID.
func start(t *testing.T, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(name), out.String())
		}
	})
}

func waitFor(t *testing.T, client *http.Client, url string) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(20 * time.Second)
	for {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-deadline:
			t.Fatalf("%s did not answer", url)
		case <-tick.C:
		}
	}
}

func listenLocal(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// freeAddr returns a loopback address nothing listens on (for a child
// process to bind, or to refuse connections).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func atoi(s string) int {
	var n int
	_, _ = fmt.Sscan(s, &n)
	return n
}
