package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// TLS makes the public listener serve HTTPS (HTTP/2 and HTTP/1.1). Exactly
// one certificate source is set: CertFile and KeyFile, or ACME. Without a
// tls section the listener speaks plain HTTP, for deployments behind a
// TLS-terminating load balancer.
type TLS struct {
	// CertFile is a PEM certificate chain (leaf first), e.g. certbot's
	// fullchain.pem or a cert-manager secret's tls.crt.
	CertFile string `yaml:"cert_file"`
	// KeyFile is the PEM private key of the leaf.
	KeyFile string `yaml:"key_file"`
	// ReloadInterval is how often, at most, the files are checked for a
	// change (on the next TLS handshake); default 10s.
	ReloadInterval time.Duration `yaml:"reload_interval"`
	// ACME obtains and renews certificates automatically.
	ACME *ACME `yaml:"acme"`
	// MinVersion is "1.2" (default) or "1.3".
	MinVersion TLSVersion `yaml:"min_version"`
	// RedirectListen, e.g. ":80", serves a plain-HTTP listener that
	// redirects to HTTPS and answers ACME HTTP-01 challenges.
	RedirectListen string `yaml:"redirect_listen"`
}

// ACME configures automatic certificates (RFC 8555) with the HTTP-01 and
// TLS-ALPN-01 challenges. Using it accepts the CA's terms of service.
type ACME struct {
	// Domains are the host names certificates are requested for; no other
	// name gets one.
	Domains []string `yaml:"domains"`
	// Email is the account's contact address (expiry notices).
	Email string `yaml:"email"`
	// CacheDir keeps the account key and certificates across restarts.
	CacheDir string `yaml:"cache_dir"`
	// DirectoryURL is the CA's directory; default Let's Encrypt production.
	DirectoryURL string `yaml:"directory_url"`
	// CAFile is a PEM bundle trusted for DirectoryURL in addition to the
	// system roots (a private ACME CA such as step-ca).
	CAFile string `yaml:"ca_file"`
	// RenewBefore is how long before expiry a certificate is renewed;
	// default 30 days.
	RenewBefore time.Duration `yaml:"renew_before"`
}

// DefaultACMEDirectory is Let's Encrypt's production directory.
const DefaultACMEDirectory = "https://acme-v02.api.letsencrypt.org/directory"

func tlsDefaults(c *Config) {
	t := c.TLS
	if t == nil {
		return
	}
	setDefault(&t.ReloadInterval, 10*time.Second)
	setDefault(&t.MinVersion, TLS12)
	if t.ACME != nil {
		setDefault(&t.ACME.DirectoryURL, DefaultACMEDirectory)
		setDefault(&t.ACME.RenewBefore, 30*24*time.Hour)
	}
}

func (v *validator) tls(t *TLS, server HTTPServer) {
	if t == nil {
		return
	}
	if server == ServerFastHTTP {
		v.add("http_server", "fasthttp serves plain HTTP only: remove tls, or use net/http (TLS listeners speak HTTP/2 through net/http)")
	}
	files := t.CertFile != "" || t.KeyFile != ""
	switch {
	case files && t.ACME != nil:
		v.add("tls", "set either cert_file and key_file or acme, not both")
	case !files && t.ACME == nil:
		v.add("tls", "set cert_file and key_file, or acme")
	case files && (t.CertFile == "" || t.KeyFile == ""):
		v.add("tls", "cert_file and key_file go together")
	}
	if t.ReloadInterval < 0 {
		v.add("tls.reload_interval", "must be positive")
	}
	if t.RedirectListen != "" {
		v.addr("tls.redirect_listen", t.RedirectListen)
	}
	if a := t.ACME; a != nil {
		v.acme(a)
	}
}

func (v *validator) acme(a *ACME) {
	if len(a.Domains) == 0 {
		v.add("tls.acme.domains", "list at least one domain")
	}
	for i, d := range a.Domains {
		// autocert refuses names without a dot, IP addresses and wildcards
		// (HTTP-01 and TLS-ALPN-01 cannot validate them).
		if !strings.Contains(strings.Trim(d, "."), ".") || strings.ContainsAny(d, "*:/ ") {
			v.add(fmt.Sprintf("tls.acme.domains[%d]", i), "%q is not a fully qualified host name", d)
		}
	}
	if a.CacheDir == "" {
		v.add("tls.acme.cache_dir", "is required (without it every restart asks the CA again and hits its rate limits)")
	}
	if u, err := url.Parse(a.DirectoryURL); err != nil || u.Scheme != "https" || u.Host == "" {
		v.add("tls.acme.directory_url", "%q is not an https URL", a.DirectoryURL)
	}
	if a.RenewBefore < 0 {
		v.add("tls.acme.renew_before", "must be positive")
	}
}
