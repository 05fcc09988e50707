package proxy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/poolguard/poolguard/internal/cognito"
)

// Signer signs admin-mode requests with SigV4 for service cognito-idp. It
// holds a credentials provider (cached by the SDK, so a request only pays
// for a retrieval when the credentials are about to expire) and is safe for
// concurrent use.
type Signer struct {
	creds  aws.CredentialsProvider
	signer *v4.Signer
}

// NewSigner returns a Signer using creds, which should be cached (see
// aws.NewCredentialsCache); LoadSigner's provider is.
func NewSigner(creds aws.CredentialsProvider) *Signer {
	return &Signer{creds: creds, signer: v4.NewSigner()}
}

// LoadSigner returns a Signer on aws-sdk-go-v2's default credential chain:
// environment, shared config and credentials files (and their profiles, SSO
// and processes), web identity, and container and instance roles. It
// retrieves nothing yet.
func LoadSigner(ctx context.Context) (*Signer, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Credentials == nil {
		return nil, errors.New("no AWS credential provider is configured")
	}
	return NewSigner(cfg.Credentials), nil
}

// Check retrieves credentials once and returns the error when there are no
// usable ones. Bound ctx: a provider that probes (instance metadata) may
// otherwise wait for its own timeouts.
func (s *Signer) Check(ctx context.Context) error {
	c, err := s.creds.Retrieve(ctx)
	if err != nil {
		return err
	}
	if !c.HasKeys() {
		return errors.New("the AWS credentials have no access key")
	}
	return nil
}

// clientSigningHeaders are headers a client might send that belong to a
// signature; the proxy's own signature replaces them.
var clientSigningHeaders = [...]string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"}

// Sign signs req, whose body is body, for cognito-idp in region at now.
// Every header req carries when Sign returns, except those SigV4 leaves
// unsigned (User-Agent, ...), is covered by the signature, so nothing may
// change them afterwards.
func (s *Signer) Sign(ctx context.Context, req *http.Request, body []byte, region string, now time.Time) error {
	for _, k := range clientSigningHeaders {
		delete(req.Header, k)
	}
	creds, err := s.creds.Retrieve(ctx)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	return s.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), cognito.SigningService, region, now)
}

// sign signs the outbound request of an admin-mode plan. It returns the
// error the client gets when the request cannot be signed; the cause is
// logged, and it names no credential.
func (h *Handler) sign(ctx context.Context, x *exchange, st *State, out *http.Request, plan cognito.Plan) *cognito.Error {
	if st.Signer == nil {
		h.log.Error("admin-mode request but no signer is configured", "request_id", x.view.RequestID)
		return cognito.Internal("The proxy could not sign the request to Cognito.")
	}
	if err := st.Signer.Sign(ctx, out, plan.Body, plan.SignRegion, h.now()); err != nil {
		h.log.Error("signing the upstream request", "request_id", x.view.RequestID, "operation", x.view.Operation, "err", err)
		return cognito.Internal("The proxy could not sign the request to Cognito.")
	}
	return nil
}
