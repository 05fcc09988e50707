package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/proxy"
	"github.com/poolguard/poolguard/internal/rules/signals"
	"github.com/poolguard/poolguard/internal/secrets"
)

// DefaultSourceTimeout bounds OpenSources when the caller's context has no
// earlier deadline: every AWS secret, the credential check and every list
// download of one build together.
const DefaultSourceTimeout = 2 * time.Minute

// Sources are what a build reads over the network: the
// aws-secretsmanager client secrets, the AWS credentials of admin mode,
// and the signal lists (IP lists and e-mail domain lists, URLs or files,
// with the geo database the same manager owns). OpenSources opens them
// with a context; OfflineSources opens none of the network ones and says
// which it left out. Compile turns a config and its Sources into a state
// without any network call.
type Sources struct {
	// awsSecrets are the client secrets read from Secrets Manager, by
	// reference.
	awsSecrets map[string]*secrets.Value
	// signer signs admin-mode calls; nil when no client is in admin mode
	// or the credentials were not looked up.
	signer *proxy.Signer
	// signals are the loaded signal sources.
	signals *signals.Signals
	// Unchecked lists what OfflineSources left out because it needs the
	// network; empty after OpenSources.
	Unchecked []Unchecked
}

// Unchecked is a source an offline build did not open.
type Unchecked struct {
	// At locates it in the config: "file:line: key".
	At string
	// What says what was not checked.
	What string
}

// String formats u as "file:line: key: what".
func (u Unchecked) String() string { return u.At + ": " + u.What }

// OpenSources opens cfg's network sources: it reads the aws-secretsmanager
// client secrets (through deps.Secrets, or a throwaway source that is
// never refreshed), retrieves AWS credentials when a client is in admin
// mode, and loads the signal lists (through deps.Signals, or a throwaway
// manager). ctx bounds it all; without a deadline DefaultSourceTimeout
// applies. With deps.Offline (the rule tester) client secrets and
// credentials are not read: placeholders stand for them. Every failure
// is reported, naming the key; the Sources returned are complete even
// then (placeholders for what failed), so that Compile can report the
// config's other problems too.
func OpenSources(ctx context.Context, cfg *config.Config, deps Deps) (*Sources, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultSourceTimeout)
		defer cancel()
	}
	src := &Sources{awsSecrets: map[string]*secrets.Value{}}
	var errs []error
	if deps.Offline {
		for i := range cfg.Clients {
			if ref := cfg.Clients[i].ClientSecret; secrets.IsAWS(ref) {
				src.awsSecrets[ref] = placeholder()
			}
		}
	} else {
		errs = append(errs, src.openAWSSecrets(ctx, cfg, deps)...)
		errs = append(errs, src.openSigner(ctx, cfg)...)
	}
	mgr := deps.Signals
	if mgr == nil {
		mgr = signals.NewManager(nil, nil)
	}
	sc, _ := signalsConfig(cfg, false)
	if err := src.openSignals(ctx, cfg, mgr, sc); err != nil {
		errs = append(errs, err)
	}
	return src, errors.Join(errs...)
}

// OfflineSources stands in for OpenSources when nothing may go over the
// network (`poolguard validate` without --online): aws-secretsmanager
// secrets get placeholders, admin-mode credentials are not looked up, and
// lists named by URL are left out; each is listed in Unchecked. Lists and
// databases in local files are loaded, by a manager of their own whose
// HTTP client refuses to dial.
func OfflineSources(cfg *config.Config) (*Sources, error) {
	src := &Sources{awsSecrets: map[string]*secrets.Value{}}
	for i := range cfg.Clients {
		c := &cfg.Clients[i]
		key := fmt.Sprintf("clients[%d]", i)
		if secrets.IsAWS(c.ClientSecret) {
			src.awsSecrets[c.ClientSecret] = placeholder()
			src.Unchecked = append(src.Unchecked, Unchecked{At: cfg.At(key + ".client_secret"),
				What: "the AWS Secrets Manager secret is not read (its reference is well-formed)"})
		}
		if c.AuthMode == config.AuthAdmin {
			src.Unchecked = append(src.Unchecked, Unchecked{At: cfg.At(key + ".auth_mode"),
				What: "admin mode: AWS credentials are not retrieved"})
		}
	}
	sc, skipped := signalsConfig(cfg, true)
	for _, key := range skipped {
		src.Unchecked = append(src.Unchecked, Unchecked{At: cfg.At(key + ".source"),
			What: "the list is not downloaded"})
	}
	noDial := &http.Client{Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("offline: no network")
	}}}
	err := src.openSignals(context.Background(), cfg, signals.NewManager(slog.New(slog.DiscardHandler), noDial), sc)
	return src, err
}

// openAWSSecrets reads every aws-secretsmanager client secret.
func (src *Sources) openAWSSecrets(ctx context.Context, cfg *config.Config, deps Deps) []error {
	store := deps.Secrets
	var errs []error
	for i := range cfg.Clients {
		ref := cfg.Clients[i].ClientSecret
		if !secrets.IsAWS(ref) || src.awsSecrets[ref] != nil {
			continue
		}
		if store == nil {
			store = secrets.NewAWSSources(slog.New(slog.DiscardHandler))
		}
		store.SetInterval(cfg.Secrets.RefreshInterval)
		where := secrets.AWSOptions{Region: cfg.Secrets.Region, Endpoint: cfg.Secrets.Endpoint}
		lctx, cancel := context.WithTimeout(ctx, secretLoadTimeout)
		v, err := store.Value(lctx, where, ref)
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", cfg.At(fmt.Sprintf("clients[%d].client_secret", i)), cfg.Clients[i].ClientID, err))
			v = placeholder()
		}
		src.awsSecrets[ref] = v
	}
	return errs
}

// openSignals loads the signal sources sc describes through mgr. On
// failure the sources are empty (bot signals only), and the error names
// the config file.
func (src *Sources) openSignals(ctx context.Context, cfg *config.Config, mgr *signals.Manager, sc signals.Config) error {
	sig, err := mgr.Build(ctx, sc, time.Now())
	if err != nil {
		src.signals = signals.New(nil, nil, sc.Bots)
		return fmt.Errorf("%s: %w", cfg.File, err)
	}
	src.signals = sig
	return nil
}

// signalsConfig describes cfg's signal sources, paths made relative to the
// config file's directory. With offline, lists named by URL are left out
// and their keys returned.
func signalsConfig(cfg *config.Config, offline bool) (signals.Config, []string) {
	s := &cfg.Signals
	base := filepath.Dir(cfg.File)
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) || hasScheme(p) {
			return p
		}
		return filepath.Join(base, p)
	}
	sc := signals.Config{Bots: s.BotsEnabled(), GeoDatabase: abs(s.Geo.Database), CacheDir: abs(s.CacheDir)}
	var skipped []string
	for i, l := range s.IPLists {
		if offline && hasScheme(l.Source) {
			skipped = append(skipped, fmt.Sprintf("signals.ip_lists[%d]", i))
			continue
		}
		sc.Lists = append(sc.Lists, signals.ListConfig{Name: l.Name, Label: l.Label, Source: abs(l.Source), Format: l.Format, Interval: l.Refresh})
	}
	for i, l := range s.EmailDomainLists {
		if offline && hasScheme(l.Source) {
			skipped = append(skipped, fmt.Sprintf("signals.email_domain_lists[%d]", i))
			continue
		}
		label := l.Label
		if label == "" {
			label = config.DefaultDisposableLabel
		}
		sc.Lists = append(sc.Lists, signals.ListConfig{Name: l.Name, Label: label, Source: abs(l.Source), Format: signals.FormatDomains, Interval: l.Refresh})
	}
	if offline {
		sc.CacheDir = "" // an offline check neither reads nor writes the cache
	}
	return sc, skipped
}

// placeholder stands in for a secret that was not read: a fixed value,
// never the real one, so that rewrites run as they would.
func placeholder() *secrets.Value {
	v := &secrets.Value{}
	v.Set([]byte("poolguard-offline-placeholder-secret"))
	return v
}
