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
