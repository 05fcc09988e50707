// Package adminmode_test drives poolguard's admin (advanced-security) mode
// end to end against moto_server: the proxy turns sign-ins into SigV4-signed
// Admin calls with ContextData, reads its client secret from Secrets Manager
// (emulated by the same moto) and follows its rotation. A StrictHop between
// the proxy and moto checks the signatures and secret hashes on the wire.
package adminmode_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/secrets"
	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
)

// The proxy's AWS credentials (dummy; moto and the hop accept them).
const (
	accessKey = "AKIDPOOLGUARDADMIN"
	secretKey = "pg-admin-signing-key"
)

const (
	secretID    = "poolguard/app-client"
	firstSecret = "first-client-s3cret-0123456789"
	password    = "Passw0rd!admin"
)

// setAWSEnv gives the process dummy AWS credentials (none unless
// withKeys) and nothing else to find: no shared files, profiles, container
// or web identity credentials, and no instance metadata.
func setAWSEnv(t *testing.T, withKeys bool) {
	dir := t.TempDir()
	key, secret := "", ""
	if withKeys {
		key, secret = accessKey, secretKey
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": cognitotest.Region,
		"AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE":           filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "none"),
	} {
		t.Setenv(k, v)
	}
	for _, k := range []string{"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		t.Setenv(k, "") // restored after the test
		os.Unsetenv(k)
	}
}

// env is moto with a pool, two admin-mode app clients (one with a secret
// in Secrets Manager, one without), a strict hop and the proxy.
type env struct {
	moto     *cognitotest.Moto
	admin    *cip.Client // straight to moto
	sm       *secretsmanager.Client
	hop      *cognitotest.StrictHop
	pool     cognitotest.Pool
	app      cognitotest.AppClient // secret in Secrets Manager
	open     cognitotest.AppClient // no secret
	proxyURL string
	sources  *secrets.AWSSources
	logs     *syncBuffer
}

func start(t *testing.T) *env {
	t.Helper()
	m := cognitotest.StartMoto(t) // before setAWSEnv: moto keeps its own environment
	setAWSEnv(t, true)
	e := &env{moto: m, admin: m.Client(), logs: &syncBuffer{}}
	e.sm = secretsmanager.New(secretsmanager.Options{
		Region: cognitotest.Region, BaseEndpoint: aws.String(m.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSETUP", "setup", ""),
	})
	if _, err := e.sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(secretID), SecretString: aws.String(`{"client-secret":"` + firstSecret + `"}`),
	}); err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	e.pool = cognitotest.CreatePool(t, e.admin, cognitotest.PoolOptions{})
	e.app = cognitotest.CreateAppClient(t, e.admin, e.pool.ID, cognitotest.ClientOptions{Name: "with-secret"})
	e.open = cognitotest.CreateAppClient(t, e.admin, e.pool.ID, cognitotest.ClientOptions{Name: "no-secret"})
	e.hop = cognitotest.StartStrictHop(t, m.URL, map[string]string{e.app.ID: firstSecret})
	e.hop.CheckAdmin(cognitotest.AdminRules{Region: cognitotest.Region, Credentials: aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}})

	cfg := e.config(t)
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.sources = secrets.NewAWSSources(log)
	srv, _ := proxytest.Serve(t, cfg, server.Deps{Secrets: e.sources}, log, nil)
	e.proxyURL = srv.URL
	t.Cleanup(func() {
		for _, s := range []string{firstSecret, secondSecret, secretKey} {
			if strings.Contains(e.logs.String(), s) {
				t.Errorf("a secret was logged:\n%s", e.logs.String())
			}
		}
	})
	return e
}

// config is the proxy's configuration for e, parsed like a file.
func (e *env) config(t *testing.T) *config.Config {
	t.Helper()
	data := fmt.Sprintf(`listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream: {region: us-east-1, endpoint: %q}
trusted_proxies: [127.0.0.1]
secrets: {endpoint: %q, refresh_interval: 1h}
clients:
  - client_id: %s
    user_pool_id: %s
    auth_mode: admin
    client_secret: "aws-secretsmanager:%s#client-secret"
    propagate_ip: true
  - client_id: %s
    user_pool_id: %s
    auth_mode: admin
`, e.hop.URL, e.moto.URL, e.app.ID, e.pool.ID, secretID, e.open.ID, e.pool.ID)
	cfg := proxytest.Load(t, "", data)
	return cfg
}

// client returns an SDK client that calls the proxy from forwardedFor (via
// X-Forwarded-For, which the proxy trusts from loopback) when not empty.
func (e *env) client(forwardedFor string) *cip.Client {
	return cognitotest.NewClient(e.proxyURL, func(o *cip.Options) {
		if forwardedFor != "" {
			o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("X-Forwarded-For", forwardedFor))
		}
	})
}

// lastOp returns the last request the hop received for op.
func (e *env) lastOp(t *testing.T, op string) cognitotest.Request {
	t.Helper()
	reqs := e.hop.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Operation == op {
			return reqs[i]
		}
	}
	t.Fatalf("the hop saw no %s; it saw %v", op, ops(reqs))
	return cognitotest.Request{}
}

func ops(reqs []cognitotest.Request) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.Operation
	}
	return out
}

// rawCall posts body as op to the proxy with exactly the headers in hdr
// (a "User-Agent": "" entry sends none) and returns status and body.
func (e *env) rawCall(t *testing.T, op, body string, hdr map[string]string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.proxyURL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", cognitotest.TargetPrefix+op)
	for k, v := range hdr {
		req.Header[http.CanonicalHeaderKey(k)] = []string{v}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
