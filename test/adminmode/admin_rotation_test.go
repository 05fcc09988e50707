package adminmode_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
	"github.com/tidwall/gjson"
)

// pollTimeout bounds every wait in these tests.
const pollTimeout = 10 * time.Second

// signIn signs alice in through the proxy; it is safe to call from any
// goroutine.
func (e *env) signIn() error {
	body := `{"ClientId":"` + e.app.ID + `","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"alice","PASSWORD":"` + password + `"}}`
	req, _ := http.NewRequest(http.MethodPost, e.proxyURL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", cognitotest.TargetPrefix+"InitiateAuth")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !gjson.GetBytes(b, "AuthenticationResult.AccessToken").Exists() {
		return fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	return nil
}

// hashSeen reports whether the hop accepted an AdminInitiateAuth for alice
// hashed with secret.
func (e *env) hashSeen(secret string) bool {
	want := cognitotest.SecretHash(secret, "alice", e.app.ID)
	for _, r := range e.hop.Requests() {
		if r.Operation == "AdminInitiateAuth" && r.Refused == "" && gjson.GetBytes(r.Body, "AuthParameters.SECRET_HASH").Str == want {
			return true
		}
	}
	return false
}

func (e *env) putSecret(t *testing.T, secret string) {
	t.Helper()
	if _, err := e.sm.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(secretID), SecretString: aws.String(`{"client-secret":"` + secret + `"}`),
	}); err != nil {
		t.Fatalf("PutSecretValue: %v", err)
	}
}

// TestSecretRotationWithoutRestart rotates the client secret in Secrets
// Manager while an app keeps signing in: after the refresh (driven here
// by Refresh, which the proxy's Run calls every refresh_interval) new
// sign-ins use the new secret, with no restart and no failed request while
// the upstream accepts both secrets. A refresh that fails keeps the last
// good secret and is counted.
func TestSecretRotationWithoutRestart(t *testing.T) {
	e := start(t)
	cognitotest.CreateConfirmedUser(t, e.admin, e.pool.ID, "alice", password, nil)
	if err := e.signIn(); err != nil || !e.hashSeen(firstSecret) {
		t.Fatalf("first sign-in: %v", err)
	}

	var (
		mu       sync.Mutex
		failures []error
		count    int
		wg       sync.WaitGroup
	)
	stop := make(chan struct{})
	// done signals each finished sign-in to a test waiting for one; the
	// app does not wait for the test.
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			err := e.signIn()
			mu.Lock()
			count++
			if err != nil {
				failures = append(failures, err)
			}
			mu.Unlock()
			select {
			case done <- struct{}{}:
			default:
			}
		}
	}()
	sent := func() int { mu.Lock(); defer mu.Unlock(); return count }
	// waitFor checks cond after each sign-in that finishes, until it holds;
	// the bound only catches sign-ins that stopped.
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.NewTimer(pollTimeout)
		defer deadline.Stop()
		for !cond() {
			select {
			case <-done:
			case <-deadline.C:
				close(stop)
				wg.Wait()
				t.Fatalf("no sign-in brought %s", what)
			}
		}
	}
	waitFor("sign-ins before the rotation", func() bool { return sent() >= 3 })

	e.hop.RotateSecret(e.app.ID, secondSecret) // Cognito holds both secrets
	e.putSecret(t, secondSecret)
	if err := e.sources.Refresh(context.Background()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	waitFor("a sign-in with the new secret", func() bool { return e.hashSeen(secondSecret) })
	e.hop.SetSecret(e.app.ID, secondSecret) // the old secret is deleted
	n := sent()
	waitFor("sign-ins after the old secret is gone", func() bool { return sent() >= n+3 })
	close(stop)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d of %d sign-ins failed during the rotation; first: %v", len(failures), count, failures[0])
	}

	// Secrets Manager fails: the last good secret stays in use.
	if _, err := e.sm.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{
		SecretId: aws.String(secretID), ForceDeleteWithoutRecovery: aws.Bool(true),
	}); err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	err := e.sources.Refresh(context.Background())
	if err == nil || e.sources.RefreshFailures() != 1 || !strings.Contains(err.Error(), secretID) {
		t.Fatalf("refresh of a deleted secret: %v, failures %d", err, e.sources.RefreshFailures())
	}
	if err := e.signIn(); err != nil {
		t.Fatalf("sign-in after a failed refresh: %v", err)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "secret rotated") || !strings.Contains(logs, "secret refresh failed") {
		t.Fatalf("logs:\n%s", logs)
	}
}

// TestSecretErrorsNameTheSourceNotTheValue builds a state whose reference
// names a missing JSON key: the error (what `poolguard validate` prints)
// names the secret and key but never the secret string.
func TestSecretErrorsNameTheSourceNotTheValue(t *testing.T) {
	e := start(t)
	cfg := e.config(t)
	cfg.Clients[0].ClientSecret = "aws-secretsmanager:" + secretID + "#no-such-key"
	_, err := server.BuildState(context.Background(), cfg, server.Deps{Store: ratelimit.NewMemory()})
	if err == nil || !strings.Contains(err.Error(), secretID+"#no-such-key") || !strings.Contains(err.Error(), `has no key "no-such-key"`) {
		t.Fatalf("BuildState: %v", err)
	}
	if strings.Contains(err.Error(), firstSecret) {
		t.Fatalf("the error shows the secret: %v", err)
	}
}

// TestValidateWithoutCredentials is what `poolguard validate` reports for
// an admin-mode client on a host without AWS credentials.
func TestValidateWithoutCredentials(t *testing.T) {
	setAWSEnv(t, false)
	cfg, err := config.Parse("poolguard.yaml", []byte(`upstream: {region: us-east-1, endpoint: "http://127.0.0.1:1"}
clients:
  - {client_id: app1, user_pool_id: us-east-1_AbC123, auth_mode: admin}
  - {client_id: app2, user_pool_id: us-east-1_AbC123}
`))
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	_, err = server.BuildState(context.Background(), cfg, server.Deps{Store: ratelimit.NewMemory()})
	if err == nil || !strings.Contains(err.Error(), "clients[0].auth_mode (app1): admin mode: no usable AWS credentials") || strings.Contains(err.Error(), "app2") {
		t.Fatalf("BuildState: %v", err)
	}
	t.Logf("the credential check took %v", time.Since(began)) // bounded by its own 5 s timeout
}
