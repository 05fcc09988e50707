package tlsserve

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"github.com/poolguard/poolguard/internal/config"
)

// acmeManager returns the autocert manager for a: certificates for the
// listed domains only, cached in a.CacheDir, from a.DirectoryURL (trusting
// a.CAFile too, if set).
func acmeManager(a *config.ACME) (*autocert.Manager, error) {
	client := &acme.Client{DirectoryURL: a.DirectoryURL, UserAgent: "poolguard"}
	if a.CAFile != "" {
		pem, err := os.ReadFile(a.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls.acme.ca_file: %w", err)
		}
		roots, err := x509.SystemCertPool()
		if err != nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls.acme.ca_file: %s holds no PEM certificate", a.CAFile)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		client.HTTPClient = &http.Client{Transport: tr, Timeout: time.Minute}
	}
	if err := os.MkdirAll(a.CacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("tls.acme.cache_dir: %w", err)
	}
	return &autocert.Manager{
		Prompt:      autocert.AcceptTOS,
		Cache:       autocert.DirCache(a.CacheDir),
		HostPolicy:  autocert.HostWhitelist(a.Domains...),
		RenewBefore: a.RenewBefore,
		Email:       a.Email,
		Client:      client,
	}, nil
}
