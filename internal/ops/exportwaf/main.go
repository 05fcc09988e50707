package exportwaf

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/poolguard/poolguard/internal/config"
)

// Formats are the documents Run writes: the WebACL as AWS WAFv2 JSON, a
// CloudFormation template, or the IP sets.
var Formats = []string{"waf", "cloudformation", "ipsets"}

// CheckRun reports run options that cannot work: no config, an unknown
// format, or a log bucket AWS WAF cannot log to.
func (o Options) CheckRun() error {
	if o.ConfigPath == "" {
		return fmt.Errorf("--config FILE is required")
	}
	if o.Format != "" && !slices.Contains(Formats, o.Format) {
		return fmt.Errorf("--format %q is not waf, cloudformation or ipsets", o.Format)
	}
	if o.LogBucket != "" && !strings.HasPrefix(o.LogBucket, "aws-waf-logs-") {
		return fmt.Errorf("--log-bucket %q: AWS WAF logs only to buckets whose name starts with aws-waf-logs-", o.LogBucket)
	}
	return nil
}

// Run loads o.ConfigPath, builds the pool's web ACL and writes the
// document o.Format names (waf when "") to w, and a note per IP set
// exported empty to o.Log. ctx is not used yet: the export reads only the
// config file.
func Run(_ context.Context, o Options, w io.Writer) error {
	if err := o.CheckRun(); err != nil {
		return err
	}
	cfg, err := config.Load(o.ConfigPath)
	if err != nil {
		return err
	}
	e, err := Build(cfg, o)
	if err != nil {
		return fmt.Errorf("%s: %w", o.ConfigPath, err)
	}
	e.LogBucket = o.LogBucket
	if o.Log != nil {
		for _, name := range e.EmptyIPSets {
			fmt.Fprintf(o.Log, "note: IP set %s is exported empty (fill it in waf.ip_sets, or in AWS after deploying)\n", name)
		}
	}
	var out []byte
	switch o.Format {
	case "waf", "":
		out, err = e.WebACLJSON()
	case "cloudformation":
		out, err = e.CloudFormation()
	case "ipsets":
		out, err = e.IPSetsJSON()
	}
	if err != nil {
		return fmt.Errorf("poolguard export waf: %w", err)
	}
	_, err = fmt.Fprintln(w, string(out))
	return err
}
