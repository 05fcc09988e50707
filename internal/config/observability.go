package config

import (
	"fmt"

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
	for name, q := range c.Metrics.Quotas {
		key := fmt.Sprintf("metrics.quotas.%s", name)
		if _, ok := cognito.DefaultQuotas[name]; !ok {
			v.add(key, "unknown Cognito quota category")
		} else if q <= 0 {
			v.add(key, "must be a positive rate (requests per second)")
		}
	}
}
