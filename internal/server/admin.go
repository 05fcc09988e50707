package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/proxy"
	"github.com/poolguard/poolguard/internal/secrets"
)

// credentialsTimeout bounds the AWS credential check of an admin-mode
// config, so a host without credentials (probing instance metadata) fails
// fast.
const credentialsTimeout = 5 * time.Second

// secretLoadTimeout bounds loading one AWS secret while building a state.
const secretLoadTimeout = 15 * time.Second

// adminMode returns the cognito admin mode of a configured client, or nil
// for a public client.
func adminMode(cc *config.Client) *cognito.AdminMode {
	if cc.AuthMode != config.AuthAdmin {
		return nil
	}
	headers := make([]string, len(cc.ContextHeaders))
	for i, h := range cc.ContextHeaders {
		headers[i] = http.CanonicalHeaderKey(h)
	}
	return &cognito.AdminMode{Region: cc.Region, ContextHeaders: headers}
}

// secretResolver returns the function that reads a client_secret
// reference: aws-secretsmanager references through deps.Secrets (a
// throwaway source, never refreshed, when deps has none, as for
// `poolguard validate`), every other one with secrets.Resolve. Loading an
// AWS secret here is what keeps the proxy from serving before every
// configured secret has loaded once.
func secretResolver(cfg *config.Config, deps Deps) func(string) (*secrets.Value, error) {
	if deps.Offline {
		return placeholderSecret
	}
	src := deps.Secrets
	if src == nil {
		src = secrets.NewAWSSources(slog.New(slog.DiscardHandler))
	}
	src.SetInterval(cfg.Secrets.RefreshInterval)
	where := secrets.AWSOptions{Region: cfg.Secrets.Region, Endpoint: cfg.Secrets.Endpoint}
	return func(ref string) (*secrets.Value, error) {
		if !secrets.IsAWS(ref) {
			return secrets.Resolve(ref)
		}
		ctx, cancel := context.WithTimeout(context.Background(), secretLoadTimeout)
		defer cancel()
		return src.Value(ctx, where, ref)
	}
}

// placeholderSecret stands in for a client secret in an offline build: a
// fixed value, never the real one, so that rewrites run as they would.
func placeholderSecret(ref string) (*secrets.Value, error) {
	if ref == "" {
		return nil, nil
	}
	v := &secrets.Value{}
	v.Set([]byte("poolguard-offline-placeholder-secret"))
	return v, nil
}

// buildSigner gives st a SigV4 signer on the default credential chain when
// a client is in admin mode, and reports each such client when no usable
// credentials can be retrieved.
func buildSigner(cfg *config.Config, st *proxy.State) []error {
	var admins []int
	for i := range cfg.Clients {
		if cfg.Clients[i].AuthMode == config.AuthAdmin {
			admins = append(admins, i)
		}
	}
	if len(admins) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), credentialsTimeout)
	defer cancel()
	signer, err := proxy.LoadSigner(ctx)
	if err == nil {
		err = signer.Check(ctx)
	}
	if err != nil {
		errs := make([]error, len(admins))
		for j, i := range admins {
			errs[j] = fmt.Errorf("%s (%s): admin mode: no usable AWS credentials: %w", cfg.At(fmt.Sprintf("clients[%d].auth_mode", i)), cfg.Clients[i].ClientID, err)
		}
		return errs
	}
	st.Signer = signer
	return nil
}
