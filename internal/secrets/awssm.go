package secrets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// AWSPrefix starts a reference to a secret in AWS Secrets Manager:
// aws-secretsmanager:SECRET_ID for the whole secret string, or
// aws-secretsmanager:SECRET_ID#JSON_KEY for one string member of a secret
// string holding a JSON object (the reference stores {"client-secret": …}).
// SECRET_ID is a name or an ARN.
const AWSPrefix = "aws-secretsmanager:"

// DefaultRefreshInterval is how often AWS secrets are read again when the
// configuration says nothing.
const DefaultRefreshInterval = 5 * time.Minute

// IsAWS reports whether ref names a secret in AWS Secrets Manager.
func IsAWS(ref string) bool { return strings.HasPrefix(ref, AWSPrefix) }

// ParseAWS splits an aws-secretsmanager reference into the secret id and
// the JSON key ("" for the whole secret string).
func ParseAWS(ref string) (id, key string, err error) {
	rest, ok := strings.CutPrefix(ref, AWSPrefix)
	if !ok {
		return "", "", errors.New("not an " + AWSPrefix + " reference")
	}
	id, key, hasKey := strings.Cut(rest, "#")
	switch {
	case id == "":
		return "", "", errors.New(AWSPrefix + " needs a secret id")
	case hasKey && key == "":
		return "", "", errors.New(AWSPrefix + " with # needs a JSON key after it")
	}
	return id, key, nil
}

// GetSecretValueAPI is the part of the Secrets Manager client AWS uses.
type GetSecretValueAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// AWSOptions configures NewAWSClient.
type AWSOptions struct {
	// Region is the Secrets Manager region; the SDK's default (AWS_REGION,
	// the shared config) when empty.
	Region string
	// Endpoint overrides the Secrets Manager endpoint (tests, VPC endpoints).
	Endpoint string
}

// NewAWSClient returns a Secrets Manager client on aws-sdk-go-v2's default
// credential chain.
func NewAWSClient(ctx context.Context, o AWSOptions) (*secretsmanager.Client, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if o.Region != "" {
		opts = append(opts, awsconfig.WithRegion(o.Region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("AWS Secrets Manager: loading the AWS config: %w", err)
	}
	return secretsmanager.NewFromConfig(cfg, func(so *secretsmanager.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
		}
	}), nil
}

// AWS loads secrets from AWS Secrets Manager into Values and keeps them
// fresh. Each distinct reference is read once when first asked for (so a
// proxy built on it is ready only after every secret loaded), then again by
// Refresh; a failed refresh keeps the last good secret, is logged (naming
// the reference, never the value) and counted.
//
// An AWS is safe for concurrent use. Its Values outlive configuration
// reloads: the same reference yields the same *Value.
type AWS struct {
	api GetSecretValueAPI
	log *slog.Logger

	mu   sync.Mutex
	refs map[string]*Value

	failures atomic.Uint64
}

// NewAWS returns an AWS reading through api and logging to log.
func NewAWS(api GetSecretValueAPI, log *slog.Logger) *AWS {
	return &AWS{api: api, log: log, refs: make(map[string]*Value)}
}

// Value returns the Value for ref, an aws-secretsmanager reference, reading
// the secret now if ref is new. The error names the reference, never a
// secret.
func (a *AWS) Value(ctx context.Context, ref string) (*Value, error) {
	a.mu.Lock()
	v, ok := a.refs[ref]
	a.mu.Unlock()
	if ok {
		return v, nil
	}
	b, err := a.fetch(ctx, ref)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if v, ok := a.refs[ref]; ok {
		return v, nil
	}
	v = new(Value)
	v.Set(b)
	a.refs[ref] = v
	return v, nil
}

// Refresh reads every known secret again. A secret that cannot be read
// keeps its last good value; the failure is logged and counted, and the
// joined errors are returned.
func (a *AWS) Refresh(ctx context.Context) error {
	a.mu.Lock()
	refs := make(map[string]*Value, len(a.refs))
	for k, v := range a.refs {
		refs[k] = v
	}
	a.mu.Unlock()
	var errs []error
	for ref, v := range refs {
		b, err := a.fetch(ctx, ref)
		if err != nil {
			a.failures.Add(1)
			a.log.Warn("secret refresh failed; keeping the last good value", "secret", describeAWS(ref), "err", err)
			errs = append(errs, err)
			continue
		}
		if !bytes.Equal(b, v.Bytes()) {
			v.Set(b)
			a.log.Info("secret rotated", "secret", describeAWS(ref))
		}
	}
	return errors.Join(errs...)
}

// RefreshFailures returns how many secret refreshes have failed, for a
// metrics counter.
func (a *AWS) RefreshFailures() uint64 { return a.failures.Load() }

// fetch reads ref's secret. Errors never carry the secret: a secret string
// that is not the expected JSON is reported without quoting it.
func (a *AWS) fetch(ctx context.Context, ref string) ([]byte, error) {
	id, key, err := ParseAWS(ref)
	if err != nil {
		return nil, err
	}
	out, err := a.api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", describeAWS(ref), err)
	}
	var raw []byte
	switch {
	case out.SecretString != nil:
		raw = []byte(*out.SecretString)
	case key == "":
		raw = out.SecretBinary
	default:
		return nil, fmt.Errorf("%s: the secret has no secret string", describeAWS(ref))
	}
	if key != "" {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return nil, fmt.Errorf("%s: the secret string is not a JSON object", describeAWS(ref))
		}
		var s string
		member, ok := m[key]
		if !ok {
			return nil, fmt.Errorf("%s: the secret's JSON has no key %q", describeAWS(ref), key)
		}
		if json.Unmarshal(member, &s) != nil {
			return nil, fmt.Errorf("%s: the secret's JSON key %q is not a string", describeAWS(ref), key)
		}
		raw = []byte(s)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf("%s: %w", describeAWS(ref), ErrEmpty)
	}
	return raw, nil
}

// describeAWS names an aws-secretsmanager reference without its value.
func describeAWS(ref string) string {
	return "AWS Secrets Manager secret " + strings.TrimPrefix(ref, AWSPrefix)
}
