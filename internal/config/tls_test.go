package config

import (
	"strings"
	"testing"
	"time"
)

func TestTLSDefaults(t *testing.T) {
	cfg, err := Parse("t.yaml", []byte(hookBase+"tls: {acme: {domains: [auth.example.com], cache_dir: /var/lib/pg}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLS.MinVersion != "1.2" || cfg.TLS.ACME.DirectoryURL != DefaultACMEDirectory || cfg.TLS.ACME.RenewBefore != 30*24*time.Hour {
		t.Errorf("defaults not applied: %+v %+v", cfg.TLS, cfg.TLS.ACME)
	}
	plain, err := Parse("t.yaml", []byte(hookBase))
	if err != nil || plain.TLS != nil {
		t.Errorf("without tls: %v, %+v; want plain HTTP", err, plain.TLS)
	}
}

func TestTLSProblems(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"{}", "set cert_file and key_file, or acme"},
		{"{cert_file: a.pem}", "go together"},
		{"{cert_file: a, key_file: b, acme: {domains: [a.example], cache_dir: d}}", "not both"},
		{"{cert_file: a, key_file: b, min_version: '1.1'}", "tls.min_version"},
		{"{cert_file: a, key_file: b, redirect_listen: '80'}", "tls.redirect_listen"},
		{"{acme: {domains: [localhost], cache_dir: d}}", "fully qualified"},
		{"{acme: {domains: ['*.example.com'], cache_dir: d}}", "fully qualified"},
		{"{acme: {domains: [a.example.com]}}", "tls.acme.cache_dir"},
		{"{acme: {domains: [a.example.com], cache_dir: d, directory_url: 'http://ca/dir'}}", "not an https URL"},
	} {
		_, err := Parse("t.yaml", []byte(hookBase+"tls: "+tc.yaml+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.yaml, err, tc.want)
		}
	}
}

// http_server: net/http is the default; fasthttp serves plain HTTP only,
// and an unknown server is named with its line.
func TestHTTPServer(t *testing.T) {
	plain, err := Parse("t.yaml", []byte(hookBase))
	if err != nil || plain.HTTPServer != ServerNetHTTP {
		t.Fatalf("default: %v, %q; want net/http", err, plain.HTTPServer)
	}
	fast, err := Parse("t.yaml", []byte(hookBase+"http_server: fasthttp\n"))
	if err != nil || fast.HTTPServer != ServerFastHTTP {
		t.Fatalf("fasthttp: %v, %q", err, fast.HTTPServer)
	}
	for yaml, want := range map[string]string{
		"http_server: fasthttp\ntls: {cert_file: a, key_file: b}\n": "http_server: fasthttp serves plain HTTP only",
		"http_server: nginx\n": "http_server",
	} {
		_, err := Parse("t.yaml", []byte(hookBase+yaml))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "t.yaml") {
			t.Errorf("%q: err = %v, want it to name t.yaml and mention %q", yaml, err, want)
		}
	}
}
