package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/poolguard/poolguard/internal/config"
)

// Options say which pools to audit and how to report: a plain value the
// command line fills (cmd/poolguard/audit.go).
type Options struct {
	// ConfigPath is the proxy configuration; its clients' pools are audited.
	ConfigPath string
	// PoolIDs are more pools to audit.
	PoolIDs []string
	// Region is used for pools whose id does not start with a region.
	Region string
	// Endpoint overrides the Cognito endpoint (emulators).
	Endpoint string
	// Format is text (the default when ""), json or sarif.
	Format string
	// NewAPI makes the Cognito client of a region; nil is
	// DefaultAPI(Endpoint), the default AWS credential chain.
	NewAPI func(ctx context.Context, region string) (API, error)
}

// Formats are the report formats Run writes.
var Formats = []string{"text", "json", "sarif"}

// Check reports options that cannot make an audit: no pool to read, or an
// unknown format.
func (o Options) Check() error {
	if o.ConfigPath == "" && len(o.PoolIDs) == 0 {
		return errors.New("name the pools: --config FILE or --user-pool-id ID")
	}
	if o.Format != "" && !slices.Contains(Formats, o.Format) {
		return fmt.Errorf("--format %q is not text, json or sarif", o.Format)
	}
	return nil
}

// FindingsError is Run's answer when the audit found problems: the report
// is written, and Worst decides the exit status (ExitCode).
type FindingsError struct {
	// Worst is the most severe finding, Low or above.
	Worst Severity
}

// Error says how bad the worst finding is.
func (e *FindingsError) Error() string { return "worst finding " + e.Worst.String() }

// Run audits the pools o names and writes the report to w in o.Format. It
// returns a *FindingsError when a finding is Low or worse, another error
// when the audit could not run.
func Run(ctx context.Context, o Options, w io.Writer) error {
	if err := o.Check(); err != nil {
		return err
	}
	r, err := Audit(ctx, o)
	if err != nil {
		return err
	}
	if err := Write(w, r, o.Format); err != nil {
		return err
	}
	if worst, found := Worst(r.Findings); ExitCode(worst, found) != 0 {
		return &FindingsError{Worst: worst}
	}
	return nil
}

// DefaultAPI returns a function that makes a Cognito client for a region
// with the default credential chain, sending to endpoint when not "".
func DefaultAPI(endpoint string) func(ctx context.Context, region string) (API, error) {
	return func(ctx context.Context, region string) (API, error) {
		cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
		if err != nil {
			return nil, err
		}
		return cip.NewFromConfig(cfg, func(o *cip.Options) {
			if endpoint != "" {
				o.BaseEndpoint = aws.String(endpoint)
			}
		}), nil
	}
}

// Audit reads the pools opts names, making a client per region with
// opts.NewAPI, and returns the findings.
func Audit(ctx context.Context, opts Options) (*Report, error) {
	newAPI := opts.NewAPI
	if newAPI == nil {
		newAPI = DefaultAPI(opts.Endpoint)
	}
	proxy := Proxy{Clients: map[string]config.Client{}}
	served := map[string][]string{}
	var pools []string
	r := &Report{}
	if opts.ConfigPath != "" {
		cfg, err := config.Load(opts.ConfigPath)
		if err != nil {
			return nil, err
		}
		proxy, r.Source = ProxyFromConfig(cfg), opts.ConfigPath
		if opts.Region == "" {
			opts.Region = cfg.Upstream.Region
		}
		for _, c := range cfg.Clients {
			if c.UserPoolID == "" {
				return nil, fmt.Errorf("%s: client %s has no user_pool_id; the audit needs it", opts.ConfigPath, c.ClientID)
			}
			served[c.UserPoolID] = append(served[c.UserPoolID], c.ClientID)
			pools = append(pools, c.UserPoolID)
		}
	}
	pools = append(pools, opts.PoolIDs...)
	slices.Sort(pools)
	pools = slices.Compact(pools)
	apis := map[string]API{}
	for _, id := range pools {
		region := opts.Region
		if rg, _, ok := strings.Cut(id, "_"); ok {
			region = rg
		}
		if region == "" {
			return nil, errors.New("pool " + id + ": no region (use --region)")
		}
		api := apis[region]
		if api == nil {
			var err error
			if api, err = newAPI(ctx, region); err != nil {
				return nil, err
			}
			apis[region] = api
		}
		s, err := Fetch(ctx, api, id, served[id])
		if err != nil {
			return nil, err
		}
		r.Pools = append(r.Pools, id)
		r.Clients += len(s.Clients)
		r.Findings = append(r.Findings, Check(s, &proxy)...)
	}
	Sort(r.Findings)
	return r, nil
}

// Write writes r in format text, json or sarif.
func Write(w io.Writer, r *Report, format string) error {
	switch format {
	case "json":
		return r.WriteJSON(w)
	case "sarif":
		return r.WriteSARIF(w)
	}
	return r.WriteText(w)
}
