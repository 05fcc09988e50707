package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/ops/buildinfo"
	"github.com/poolguard/poolguard/internal/ops/metrics"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/ops/s3deliver"
	"github.com/poolguard/poolguard/internal/ops/waflog"
)

// observers are what every finished request is reported to: the WAF log
// (when configured) and the metrics.
type observers struct {
	observers observe.Observers
	metrics   *metrics.Metrics
	log       *waflog.Logger
	s3        *s3deliver.Deliverer
	s3Timeout time.Duration // bounds the last upload on shutdown
}

// openObservers builds the WAF log and the metrics, and registers the
// shared state's own gauges with the metrics.
func openObservers(cfg *config.Config, sh *shared) (*observers, error) {
	o := &observers{}
	var dropped func() uint64
	if cfg.Logging.WAFLog != "" {
		l, err := waflog.New(waflog.Options{
			Destination: cfg.Logging.WAFLog, Headers: cfg.Logging.Headers, Buffer: cfg.Logging.Buffer,
			MaxSizeMB: cfg.Logging.MaxSizeMB, MaxFiles: cfg.Logging.MaxFiles,
			Region: cfg.Upstream.Region, Account: cfg.WAF.Account,
		})
		if err != nil {
			return nil, err
		}
		o.log, dropped = l, l.Dropped
		o.observers = append(o.observers, l)
	}
	if cfg.Logging.S3 != nil {
		d, err := openS3(cfg)
		if err != nil {
			o.close()
			return nil, err
		}
		o.s3, o.s3Timeout = d, cfg.Limits.ShutdownTimeout
		o.observers = append(o.observers, d)
	}
	m, err := metrics.New(metrics.Options{Quotas: cfg.Metrics.Quotas, Dropped: dropped})
	if err != nil {
		o.close()
		return nil, err
	}
	o.metrics = m
	o.observers = append(o.observers, m)
	metrics.RegisterBuildInfo(m.Registry(), buildinfo.Get())
	registerShared(m.Registry(), sh)
	registerS3(m.Registry(), o.s3)
	return o, nil
}

// openS3 starts delivering the WAF log to S3 in AWS WAF's layout, with
// records encoded exactly as the local log's.
func openS3(cfg *config.Config) (*s3deliver.Deliverer, error) {
	s := cfg.Logging.S3
	enc, err := waflog.NewEncoder(waflog.EncoderOptions{Headers: cfg.Logging.Headers, Region: cfg.Upstream.Region, Account: cfg.WAF.Account})
	if err != nil {
		return nil, err
	}
	up, err := s3deliver.NewS3(context.Background(), s3deliver.S3Options{
		Bucket: s.Bucket, Region: cmp.Or(s.Region, cfg.Upstream.Region), Endpoint: s.Endpoint,
	})
	if err != nil {
		return nil, err
	}
	log := slog.Default()
	return s3deliver.New(s3deliver.Options{
		Encoder: enc, Uploader: up, Buffer: cfg.Logging.Buffer,
		Layout:   s3deliver.Layout{Prefix: s.Prefix, Account: cfg.WAF.Account, Region: cmp.Or(cfg.Upstream.Region, s.Region), WebACL: cfg.WAF.Name},
		SpoolDir: cmp.Or(s.SpoolDir, cfg.Logging.WAFLog+".s3-spool"), MaxSpoolBytes: int64(s.MaxSpoolMB) << 20, Interval: s.Interval,
		Logf: func(format string, args ...any) { log.Warn(fmt.Sprintf(format, args...)) },
	})
}

// registerS3 exposes the S3 delivery counters.
func registerS3(reg *prometheus.Registry, d *s3deliver.Deliverer) {
	if d == nil {
		return
	}
	for _, c := range []struct {
		name, help string
		f          func() uint64
	}{
		{"poolguard_waflog_s3_uploaded_files_total", "WAF log files S3 accepted.", d.Uploaded},
		{"poolguard_waflog_s3_uploaded_records_total", "WAF log records in the files S3 accepted.", d.UploadedRecords},
		{"poolguard_waflog_s3_upload_failures_total", "Failed uploads of WAF log files (the file stays spooled and is retried).", d.Failed},
		{"poolguard_waflog_s3_dropped_total", "WAF log records not delivered to S3: queue or spool full, or a spool write failed.", d.Dropped},
	} {
		f := c.f
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: c.name, Help: c.help}, func() float64 { return float64(f()) }))
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "poolguard_waflog_s3_spool_bytes",
		Help: "Bytes of WAF log records spooled on disk, waiting for S3.",
	}, func() float64 { return float64(d.SpoolBytes()) }))
}

// registerShared exposes the shared state's health: the Redis guard and
// the secret refreshes.
func registerShared(reg *prometheus.Registry, sh *shared) {
	if sh.guard != nil {
		registerRedis(reg, sh)
	}
	if l := sh.deps.Signals; l != nil {
		metrics.RegisterIPLists(reg, l.Statuses)
	}
	if c := sh.deps.HookCounters; c != nil {
		reg.MustRegister(newHookCollector(c))
	}
	if s := sh.deps.Secrets; s != nil {
		metrics.RegisterSecretRefreshFailures(reg, func() int64 { return int64(s.RefreshFailures()) })
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// close flushes and closes the WAF log, and uploads what is spooled for
// S3 (what cannot be uploaded stays spooled for the next start).
func (o *observers) close() {
	if o.log != nil {
		_ = o.log.Close()
	}
	if o.s3 != nil {
		ctx, cancel := context.WithTimeout(context.Background(), cmp.Or(o.s3Timeout, 30*time.Second))
		defer cancel()
		if err := o.s3.Close(ctx); err != nil {
			slog.Default().Warn(err.Error())
		}
	}
}
