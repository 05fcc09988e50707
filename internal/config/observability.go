package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
)

// Logging configures the AWS-WAF-format request log.
type Logging struct {
	// WAFLog is "stdout" or a file path; empty turns the log off.
	WAFLog string `yaml:"waf_log"`
	// Headers are the request headers logged; empty logs a safe default
	// set. Credential-carrying headers are refused.
	Headers []string `yaml:"headers"`
	// Buffer is the queue length between requests and the writer; a full
	// queue drops records (counted) rather than slow a request.
	Buffer int `yaml:"buffer"`
	// MaxSizeMB rotates the log file at this size.
	MaxSizeMB int `yaml:"max_size_mb"`
	// MaxFiles is how many rotated files are kept.
	MaxFiles int `yaml:"max_files"`
	// S3 also delivers the records to Amazon S3 in AWS WAF's layout; nil
	// turns delivery off.
	S3 *LogS3 `yaml:"s3"`
}

// LogS3 configures delivery of the WAF log to Amazon S3: gzip files under
// PREFIX/AWSLogs/ACCOUNT/WAFLogs/REGION/WEBACL/YYYY/MM/dd/HH/mm/, as AWS WAF
// writes them (ACCOUNT is waf.account, WEBACL waf.name, REGION
// upstream.region).
type LogS3 struct {
	// Bucket receives the files.
	Bucket string `yaml:"bucket"`
	// Prefix goes before AWSLogs/ in every key.
	Prefix string `yaml:"prefix"`
	// Region is the bucket's region (default upstream.region).
	Region string `yaml:"region"`
	// Endpoint replaces S3's endpoint (an emulator, tests); path-style.
	Endpoint string `yaml:"endpoint"`
	// Interval is how often spooled records are uploaded (default 5m).
	Interval time.Duration `yaml:"interval"`
	// SpoolDir keeps records until S3 has them (default WAF_LOG.s3-spool
	// when waf_log is a file).
	SpoolDir string `yaml:"spool_dir"`
	// MaxSpoolMB bounds the spool; records beyond it are dropped and
	// counted (default 1024).
	MaxSpoolMB int `yaml:"max_spool_mb"`
}

// Metrics configures the Prometheus metrics on the admin listener.
type Metrics struct {
	// Quotas override Cognito's default request-rate quotas (requests per
	// second) by quota category, for accounts with raised quotas.
	Quotas map[string]float64 `yaml:"quotas"`
}

func (v *validator) observability(c *Config) {
	l := c.Logging
	if l.Buffer < 0 || l.MaxSizeMB < 0 {
		v.add("logging", "buffer and max_size_mb must not be negative")
	}
	v.logS3(c)
	for name, q := range c.Metrics.Quotas {
		key := fmt.Sprintf("metrics.quotas.%s", name)
		if _, ok := cognito.DefaultQuotas[name]; !ok {
			v.add(key, "unknown Cognito quota category")
		} else if q <= 0 {
			v.add(key, "must be a positive rate (requests per second)")
		}
	}
}

func (v *validator) logS3(c *Config) {
	s := c.Logging.S3
	if s == nil {
		return
	}
	if s.Bucket == "" {
		v.add("logging.s3.bucket", "required")
	}
	if s.Region == "" && c.Upstream.Region == "" {
		v.add("logging.s3.region", "set the bucket's region (or upstream.region)")
	}
	if strings.HasPrefix(s.Prefix, "/") {
		v.add("logging.s3.prefix", "%q: a key prefix does not start with /", s.Prefix)
	}
	if s.Endpoint != "" {
		if u, err := url.Parse(s.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add("logging.s3.endpoint", "%q is not an http(s) URL", s.Endpoint)
		}
	}
	if s.Interval != 0 && s.Interval < time.Second {
		v.add("logging.s3.interval", "%v: want at least 1s", s.Interval)
	}
	if s.MaxSpoolMB < 0 {
		v.add("logging.s3.max_spool_mb", "must not be negative")
	}
	if s.SpoolDir == "" && (c.Logging.WAFLog == "" || c.Logging.WAFLog == "stdout") {
		v.add("logging.s3.spool_dir", "required when waf_log is not a file")
	}
}
