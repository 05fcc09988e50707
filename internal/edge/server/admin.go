package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/proxy"
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
// reference: aws-secretsmanager references from src (OpenSources read
// them), every other one with secrets.Resolve (environment variables and
// files), or a placeholder with deps.Offline.
func secretResolver(src *Sources, deps Deps) func(string) (*secrets.Value, error) {
	return func(ref string) (*secrets.Value, error) {
		switch {
		case ref == "":
			return nil, nil
		case secrets.IsAWS(ref):
			if v := src.awsSecrets[ref]; v != nil {
				return v, nil
			}
			return nil, errors.New("the AWS secret was not opened (OpenSources)")
		case deps.Offline:
			return placeholder(), nil
		}
		return secrets.Resolve(ref)
	}
}

// openSigner gives src a SigV4 signer on the default credential chain when
// a client is in admin mode, and reports each such client when no usable
// credentials can be retrieved within ctx (and credentialsTimeout).
func (src *Sources) openSigner(ctx context.Context, cfg *config.Config) []error {
	var admins []int
	for i := range cfg.Clients {
		if cfg.Clients[i].AuthMode == config.AuthAdmin {
			admins = append(admins, i)
		}
	}
	if len(admins) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, credentialsTimeout)
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
	src.signer = signer
	return nil
}
