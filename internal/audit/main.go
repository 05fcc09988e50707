package audit

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/poolguard/poolguard/internal/config"
)

// Options are `poolguard audit`'s flags.
type Options struct {
	// ConfigPath is the proxy configuration; its clients' pools are audited.
	ConfigPath string
	// PoolIDs are more pools to audit.
	PoolIDs []string
	// Region is used for pools whose id does not start with a region.
	Region string
	// Endpoint overrides the Cognito endpoint (emulators).
	Endpoint string
	// Format is text, json or sarif.
	Format string
}

// Usage is `poolguard audit`'s help.
const Usage = `Usage: poolguard audit [--config FILE] [--user-pool-id ID ...] [--region R] [--endpoint URL] [--json | --sarif]

Reads each user pool (the pools of the config's clients, and --user-pool-id)
and its app clients with the default AWS credential chain, and reports the
settings that let users or callers go around the proxy, with their fixes.

Exit status: 0 no findings (or only info), 1 worst finding low or medium,
2 worst finding high, 3 the audit could not run.
`

// Main runs `poolguard audit` with args (after the subcommand name) and
// returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	opts, ok := parseFlags(args, stderr)
	if !ok {
		return 3
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := Run(ctx, opts, DefaultAPI(opts.Endpoint))
	if err != nil {
		fmt.Fprintln(stderr, "poolguard audit:", err)
		return 3
	}
	if err := Write(stdout, r, opts.Format); err != nil {
		fmt.Fprintln(stderr, "poolguard audit:", err)
		return 3
	}
	return ExitCode(Worst(r.Findings))
}

// poolFlags collects repeated --user-pool-id flags.
type poolFlags []string

func (p *poolFlags) String() string     { return strings.Join(*p, ",") }
func (p *poolFlags) Set(s string) error { *p = append(*p, s); return nil }

func parseFlags(args []string, stderr io.Writer) (Options, bool) {
	var o Options
	var pools poolFlags
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, Usage) }
	fs.StringVar(&o.ConfigPath, "config", "", "poolguard config file")
	fs.Var(&pools, "user-pool-id", "user pool id (repeatable)")
	fs.StringVar(&o.Region, "region", "", "region for pool ids without one")
	fs.StringVar(&o.Endpoint, "endpoint", "", "Cognito endpoint URL (emulators)")
	fs.StringVar(&o.Format, "format", "text", "text, json or sarif")
	asJSON := fs.Bool("json", false, "same as --format json")
	asSARIF := fs.Bool("sarif", false, "same as --format sarif")
	if err := fs.Parse(args); err != nil {
		return o, false
	}
	o.PoolIDs = pools
	switch {
	case *asJSON:
		o.Format = "json"
	case *asSARIF:
		o.Format = "sarif"
	}
	if o.ConfigPath == "" && len(o.PoolIDs) == 0 || fs.NArg() > 0 {
		fmt.Fprint(stderr, Usage)
		return o, false
	}
	if !slices.Contains([]string{"text", "json", "sarif"}, o.Format) {
		fmt.Fprintf(stderr, "poolguard audit: --format %q is not text, json or sarif\n", o.Format)
		return o, false
	}
	return o, true
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

// Run audits the pools opts names, making a client per region with newAPI.
func Run(ctx context.Context, opts Options, newAPI func(ctx context.Context, region string) (API, error)) (*Report, error) {
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
