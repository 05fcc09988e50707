package integration

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/ops/analyze"
	"github.com/poolguard/poolguard/internal/ops/waflog"
	"github.com/poolguard/poolguard/internal/rules/presets"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/rules/waf"
	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
)

// TestEmittedAllowlistKeepsProxyWorking is the allow-list round trip
// through the live proxy: apps sign in and refresh through a proxy that
// logs; `analyze operations --emit allowlist` learns from that log; the
// YAML document becomes the proxy's web ACL and the AWS JSON document the
// user pool's own web ACL (in front of the hop, where AWS WAF sits). With
// both, sign-in, refresh (default refresh mode get_tokens: the proxy sends
// GetTokensFromRefreshToken, which no app called) and sign-out
// (RevokeToken) keep working, while an operation not on the list is
// refused by the proxy before it reaches Cognito.
func TestEmittedAllowlistKeepsProxyWorking(t *testing.T) {
	e := startCognito(t)
	a := e.newApp(t, appSpec{name: "allowlist"})
	user := signInName(a, "ann")
	cognitotest.CreateConfirmedUser(t, e.admin, a.pool.ID, user, firstPassword, map[string]string{"email": "ann@example.com"})
	ctx := context.Background()
	dir := t.TempDir()
	wafLog := filepath.Join(dir, "waf.log")

	// 1. Count traffic: sign-in and refresh, no allow list yet.
	t.Run("learn", func(t *testing.T) {
		pdir := t.TempDir()
		cfg := proxyConfig{Upstream: e.hop.URL, Clients: []clientConfig{a.clientConfig()}}
		wl, err := waflog.New(waflog.Options{Destination: wafLog, Region: "us-east-1", Account: waf.DefaultAccount})
		if err != nil {
			t.Fatal(err)
		}
		srv, _ := proxytest.Serve(t, proxytest.Load(t, pdir, string(cfg.yaml(t, pdir))), server.Deps{}, nil, wl)
		app := cognitotest.NewClient(srv.URL)
		tokens, err := passwordSignIn(ctx, app, a, user, firstPassword)
		if err != nil {
			t.Fatalf("sign-in: %v", err)
		}
		refresh(t, app, a, tokens.RefreshToken)
		if err := wl.Close(); err != nil {
			t.Fatal(err)
		}
	})
	if t.Failed() {
		return
	}

	// 2. Emit both documents from the log.
	emit := func(format string) []byte {
		out := filepath.Join(dir, "allowlist."+format)
		o := analyze.DefaultOptions()
		o.Command, o.Files, o.Emit, o.EmitFormat, o.Out = "operations", []string{wafLog}, "allowlist", format, out
		if err := analyze.Run(context.Background(), o, io.Discard); err != nil {
			t.Fatalf("analyze --format %s: %v", format, err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	yamlDoc, awsDoc := emit("yaml"), emit("aws-json")

	// 3. The user pool's web ACL from the AWS JSON, in front of the hop.
	var doc struct {
		presets.Preset
		Reasons []analyze.Reason
	}
	if err := json.Unmarshal(awsDoc, &doc); err != nil {
		t.Fatalf("%v\n%s", err, awsDoc)
	}
	pool := startPoolACL(t, e.hop.URL, doc.Preset)

	// 4. The proxy with the YAML as its web ACL, forwarding to the pool's.
	cfg := proxyConfig{Upstream: pool.URL, Clients: []clientConfig{a.clientConfig()}, Extra: string(yamlDoc)}
	app := cognitotest.NewClient(startProxy(t, cfg, firstPassword).URL)
	tokens, err := passwordSignIn(ctx, app, a, user, firstPassword)
	if err != nil {
		t.Fatalf("sign-in under the allow list: %v", err)
	}
	refresh(t, app, a, tokens.RefreshToken)
	if _, err := app.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(a.client.ID), Token: tokens.RefreshToken}); err != nil {
		t.Fatalf("RevokeToken under the allow list: %v", err)
	}
	if got := pool.blocked(); len(got) != 0 {
		t.Errorf("the user pool's web ACL blocked what the proxy sent: %v", got)
	}
	for _, want := range []string{"GetTokensFromRefreshToken", "RevokeToken"} {
		if !pool.saw(want) {
			t.Errorf("%s never reached the user pool's web ACL: %v", want, pool.ops())
		}
	}

	// An operation not on the list: refused by the proxy, never forwarded.
	n := len(pool.ops())
	_, err = app.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(a.client.ID), Username: aws.String(user)})
	wantAPIError(t, "ForgotPassword under the allow list", err, "ForbiddenException", 403)
	if got := pool.ops()[n:]; len(got) != 0 {
		t.Errorf("a refused call went upstream: %v", got)
	}
	// And the pool's own web ACL refuses it too, should a client bypass the proxy.
	if !pool.blocks(t, "ForgotPassword") || pool.blocks(t, "GetTokensFromRefreshToken") {
		t.Errorf("user pool web ACL: ForgotPassword blocked = %v, GetTokensFromRefreshToken blocked = %v",
			pool.blocks(t, "ForgotPassword"), pool.blocks(t, "GetTokensFromRefreshToken"))
	}
}

// refresh refreshes tokens through app with InitiateAuth REFRESH_TOKEN_AUTH.
func refresh(t *testing.T, app *cip.Client, a testApp, token *string) {
	t.Helper()
	out, err := app.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		ClientId: aws.String(a.client.ID), AuthFlow: "REFRESH_TOKEN_AUTH",
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(token)},
	})
	if err != nil || out.AuthenticationResult == nil || out.AuthenticationResult.AccessToken == nil {
		t.Fatalf("refresh: %v", err)
	}
}

// poolACL is the user pool's web ACL as AWS WAF applies it: the emitted
// rules, evaluated on every call the proxy sends, before the hop.
type poolACL struct {
	URL    string
	engine *waf.Engine
	mu     sync.Mutex
	calls  []aclCall
}

// aclCall is one call the pool's web ACL judged.
type aclCall struct {
	op      string
	blocked bool
}

func startPoolACL(t *testing.T, upstream string, p presets.Preset) *poolACL {
	t.Helper()
	sets := map[string][]string{}
	for _, s := range p.RegexPatternSets {
		for _, r := range s.RegularExpressionList {
			sets[s.Name] = append(sets[s.Name], r.RegexString)
		}
	}
	rules, err := json.Marshal(p.Rules)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := waf.New(rules, waf.Options{RegexPatternSets: sets, Store: ratelimit.NewMemory()})
	if err != nil {
		t.Fatalf("the AWS JSON's rules: %v", err)
	}
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	acl := &poolACL{engine: engine}
	relay := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := acl.view(r.Header.Get("X-Amz-Target"))
		var vd waf.Verdict
		if err := engine.Evaluate(r.Context(), time.Unix(0, 0), v, &vd); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		acl.mu.Lock()
		acl.calls = append(acl.calls, aclCall{v.Operation, vd.Action == waf.ActionBlock})
		acl.mu.Unlock()
		if vd.Action == waf.ActionBlock {
			cognito.WriteError(w, "pool-acl", cognito.ErrWAFBlock)
			return
		}
		relay.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	acl.URL = srv.URL
	return acl
}

// view is the request AWS WAF sees for a call with X-Amz-Target target.
func (p *poolACL) view(target string) *request.View {
	v := &request.View{Method: "POST", Path: "/", Header: http.Header{}, ClientIP: netip.MustParseAddr("127.0.0.1"), Target: target}
	v.Header.Set("X-Amz-Target", target)
	v.Operation, _ = strings.CutPrefix(target, cognito.TargetPrefix)
	return v
}

// blocks reports whether the pool's web ACL blocks op.
func (p *poolACL) blocks(t *testing.T, op string) bool {
	var vd waf.Verdict
	if err := p.engine.Evaluate(context.Background(), time.Unix(0, 0), p.view(cognito.TargetPrefix+op), &vd); err != nil {
		t.Fatal(err)
	}
	return vd.Action == waf.ActionBlock
}

// ops returns the operations the pool's web ACL judged, in order.
func (p *poolACL) ops() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, len(p.calls))
	for i, c := range p.calls {
		out[i] = c.op
	}
	return out
}

// blocked returns the operations the pool's web ACL blocked.
func (p *poolACL) blocked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, c := range p.calls {
		if c.blocked {
			out = append(out, c.op)
		}
	}
	return out
}

// saw reports whether op reached the pool's web ACL.
func (p *poolACL) saw(op string) bool {
	return slices.Contains(p.ops(), op)
}
