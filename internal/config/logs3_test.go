package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoggingS3(t *testing.T) {
	const base = "upstream: {region: eu-west-1}\nclients: [{client_id: c, client_secret: 'env:S'}]\n"
	cfg, err := Parse("t.yaml", []byte(base+`logging:
  waf_log: /var/log/poolguard/waf.log
  s3: {bucket: aws-waf-logs-poolguard, prefix: proxy, interval: 1m, max_spool_mb: 200}
`))
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Logging.S3; s == nil || s.Bucket != "aws-waf-logs-poolguard" || s.Interval != time.Minute || s.MaxSpoolMB != 200 || s.Prefix != "proxy" {
		t.Fatalf("s3 = %+v", cfg.Logging.S3)
	}
	tests := []struct {
		yaml string
		want []string
	}{
		{"logging: {waf_log: stdout, s3: {bucket: b}}", []string{"logging.s3.spool_dir"}},
		{"logging: {waf_log: /x.log, s3: {prefix: /p, endpoint: 'ftp://x', interval: 10ms, max_spool_mb: -1}}",
			[]string{"logging.s3.bucket", "logging.s3.prefix", "logging.s3.endpoint", "logging.s3.interval", "logging.s3.max_spool_mb"}},
		{"logging: {s3: {bucket: b, spool_dir: /s, unknown: 1}}", []string{"unknown"}},
	}
	for _, tt := range tests {
		_, err := Parse("t.yaml", []byte(base+tt.yaml+"\n"))
		if err == nil {
			t.Errorf("%s: accepted", tt.yaml)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error lacks %q:\n%v", tt.yaml, w, err)
			}
		}
	}
	_, err = Parse("t.yaml", []byte("upstream: {endpoint: 'http://127.0.0.1:1'}\nclients: [{client_id: c}]\nlogging: {s3: {bucket: b, spool_dir: /s}}\n"))
	if err == nil || !strings.Contains(err.Error(), "logging.s3.region") {
		t.Errorf("no region anywhere: %v", err)
	}
}
