package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/config"
)

// TestObserversS3 checks the wiring: with logging.s3 set, a deliverer
// observes requests, its counters are on /metrics, and close leaves
// undeliverable records in the spool.
func TestObserversS3(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	cfg, err := config.Parse("t.yaml", []byte(`upstream: {region: eu-west-1}
clients: [{client_id: c, client_secret: 'env:S'}]
logging:
  waf_log: `+filepath.Join(dir, "waf.log")+`
  s3: {bucket: b, endpoint: 'http://127.0.0.1:1', spool_dir: `+filepath.Join(dir, "spool")+`}
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Limits.ShutdownTimeout = 1 // the dead endpoint fails at once anyway
	o, err := openObservers(cfg, &shared{})
	if err != nil {
		t.Fatal(err)
	}
	if o.s3 == nil || len(o.observers) != 3 {
		t.Fatalf("observers %d, s3 %v", len(o.observers), o.s3)
	}
	mfs, err := o.metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "poolguard_waflog_s3_") {
			names = append(names, mf.GetName())
		}
	}
	if len(names) != 5 {
		t.Errorf("S3 metrics %v", names)
	}
	o.close()
	if _, err := os.Stat(filepath.Join(dir, "spool")); err != nil {
		t.Errorf("spool: %v", err)
	}
}

// TestCredentialHeaderNotLoggable: a WAF log configured to record headers
// that carry credentials does not open, and the error names each of them.
func TestCredentialHeaderNotLoggable(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Parse("t.yaml", []byte(`upstream: {region: eu-west-1}
logging:
  waf_log: `+filepath.Join(dir, "waf.log")+`
  headers: [host, x-auth-token, x-amz-signature, x-client-credential]
`))
	if err != nil {
		t.Fatal(err)
	}
	o, err := openObservers(cfg, &shared{})
	if err == nil {
		o.close()
		t.Fatal("a WAF log recording credential headers opened")
	}
	for _, h := range []string{"x-auth-token", "x-amz-signature", "x-client-credential"} {
		if !strings.Contains(err.Error(), h) {
			t.Errorf("error does not name %s: %v", h, err)
		}
	}
}
