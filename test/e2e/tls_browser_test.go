package e2e

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/proxy"
	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/edge/tlsserve"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
	"github.com/poolguard/poolguard/internal/testkit/tlstest"
)

// tlsPage is served on https://localhost:PORT/ and calls the proxy named in
// its query string (SignUp, through CORS), then reports the answer and the
// answer.
const tlsPage = `<!doctype html><meta charset="utf-8"><title>poolguard tls</title><script>
(async () => {
  const q = new URLSearchParams(location.search);
  const endpoint = q.get('endpoint');
  try {
    const resp = await fetch(endpoint + '/', {method: 'POST', headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': 'AWSCognitoIdentityProviderService.SignUp'},
      body: JSON.stringify({ClientId: q.get('client'), Username: 'tls@example.com', Password: 'Passw0rd!tls'})});
    window.__result = {status: resp.status, body: await resp.text()};
  } catch (e) {
    window.__result = {error: String(e)};
  }
  window.__done = true;
})();
</script>`

// tlsDriver loads PAGE_URL in headless Chromium (certificate errors NOT
// ignored; SPKI, when set, is trusted) and prints the page's result and
// the certificate and protocol of the proxy's response.
const tlsDriver = `
const { chromium } = require('playwright-core');
(async () => {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  if (process.env.SPKI) args.push('--ignore-certificate-errors-spki-list=' + process.env.SPKI);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args });
  const out = {};
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: false });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    cdp.on('Network.responseReceived', (e) => {
      if (e.response.url.startsWith(process.env.ENDPOINT)) out.protocol = e.response.protocol;
    });
    page.on('response', async (r) => {
      if (r.url().startsWith(process.env.ENDPOINT) && r.request().method() === 'POST') out.security = await r.securityDetails();
    });
    await page.goto(process.env.PAGE_URL, { timeout: 20000 });
    await page.waitForFunction(() => window.__done === true, null, { timeout: 20000 });
    out.result = await page.evaluate(() => window.__result);
  } catch (e) {
    out.driverError = String(e && e.message || e);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
})();
`

// tlsRun is what tlsDriver prints.
type tlsRun struct {
	Result struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
		Error  string `json:"error"`
	} `json:"result"`
	// Protocol is the protocol of the proxy's responses (DevTools).
	Protocol string `json:"protocol"`
	Security *struct {
		SubjectName string `json:"subjectName"`
		Issuer      string `json:"issuer"`
		Protocol    string `json:"protocol"`
	} `json:"security"`
	DriverError string `json:"driverError"`
}

// TestBrowserCallsProxyOverHTTPSAndSeesRenewal serves the proxy over TLS
// from certificate files signed by a test CA, and a page on
// https://localhost that calls it. Headless Chromium, trusting the CA only
// through --ignore-certificate-errors-spki-list, loads the page; the
// certificate files are then renewed (new key, renamed over the old
// files) and a new browser sees the renewed certificate from the same,
// never restarted, proxy. Without the CA trusted, Chromium refuses.
func TestBrowserCallsProxyOverHTTPSAndSeesRenewal(t *testing.T) {
	dir := nodeProject(t, "playwright-core")
	chromiumPath := chromium(t)
	ca := tlstest.NewCA(t, "poolguard e2e CA")
	files := t.TempDir()
	certPath, keyPath := filepath.Join(files, "fullchain.pem"), filepath.Join(files, "privkey.pem")
	tlstest.WritePair(t, ca.Issue(t, "poolguard-gen-1", "localhost", "127.0.0.1"), certPath, keyPath)

	upstream := &http.Server{ReadHeaderTimeout: readyWait, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, `{"UserConfirmed":false,"UserSub":"11111111-2222-3333-4444-555555555555"}`)
	})}
	ul := proxytest.Listen(t)
	go func() { _ = upstream.Serve(ul) }()
	t.Cleanup(func() { _ = upstream.Close() })
	proxyURL := startTLSProxy(t, "http://"+ul.Addr().String(), certPath, keyPath)

	pageLeaf := ca.Issue(t, "poolguard-e2e-page", "localhost")
	pageCert, err := tls.X509KeyPair(pageLeaf.ChainPEM, pageLeaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pl := proxytest.Listen(t)
	page := &http.Server{ReadHeaderTimeout: readyWait, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, tlsPage)
	})}
	go func() { _ = page.Serve(tls.NewListener(pl, &tls.Config{Certificates: []tls.Certificate{pageCert}})) }()
	t.Cleanup(func() { _ = page.Close() })
	pageURL := fmt.Sprintf("https://localhost:%s/?endpoint=%s&client=e2e-tls-client", portOf(pl.Addr().String()), proxyURL)

	browse := func(t *testing.T, spki string) tlsRun {
		t.Helper()
		out := runCmd(t, dir, time.Minute, map[string]string{"PAGE_URL": pageURL, "ENDPOINT": proxyURL,
			"CHROMIUM": chromiumPath, "SPKI": spki}, nil, "node", "-e", tlsDriver)
		var run tlsRun
		if err := json.Unmarshal(out, &run); err != nil {
			t.Fatalf("driver output %s: %v", out, err)
		}
		return run
	}
	expect := func(t *testing.T, run tlsRun, subject string) {
		t.Helper()
		if run.DriverError != "" || run.Result.Error != "" {
			t.Fatalf("browser: %s %s", run.DriverError, run.Result.Error)
		}
		if run.Result.Status != 200 || !strings.Contains(run.Result.Body, "UserSub") || run.Protocol != "h2" {
			t.Errorf("page got %+v over %q; want 200 from the upstream over h2", run.Result, run.Protocol)
		}
		if run.Security == nil || run.Security.SubjectName != subject {
			t.Errorf("proxy's certificate as Chromium saw it: %+v; want subject %s", run.Security, subject)
		}
		t.Logf("page result %d over %s; certificate %+v", run.Result.Status, run.Protocol, run.Security)
	}

	t.Run("untrusted CA refused", func(t *testing.T) {
		run := browse(t, "")
		if !strings.Contains(run.DriverError, "ERR_CERT") {
			t.Errorf("without the CA trusted: %+v; want a certificate error", run)
		}
	})
	t.Run("trusted CA", func(t *testing.T) { expect(t, browse(t, ca.SPKIHash()), "poolguard-gen-1") })
	t.Run("renewed certificate without restart", func(t *testing.T) {
		renewed := ca.Issue(t, "poolguard-gen-2", "localhost", "127.0.0.1")
		tlstest.WritePair(t, renewed, certPath, keyPath)
		expect(t, browse(t, ca.SPKIHash()), "poolguard-gen-2")
	})
}

// startTLSProxy serves the proxy over TLS from the certificate files, built
// from YAML as `poolguard serve` builds it, and returns its https URL.
func startTLSProxy(t *testing.T, upstream, certPath, keyPath string) string {
	t.Helper()
	dir := t.TempDir()
	yaml := fmt.Sprintf(`listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream: {region: us-east-1, endpoint: %s}
unknown_clients: pass
cors: {allowed_origins: ["*"]}
tls:
  cert_file: %s
  key_file: %s
  reload_interval: 1ms
`, upstream, certPath, keyPath)
	path := filepath.Join(dir, "poolguard.yaml")
	proxytest.WriteFile(t, path, yaml)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config.Load: %v\n%s", err, yaml)
	}
	st, err := server.BuildState(context.Background(), cfg, server.Deps{Store: ratelimit.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	up := server.BuildUpstream(cfg)
	log := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithCancel(context.Background())
	public := proxytest.Listen(t)
	front, err := tlsserve.Start(ctx, cfg.TLS, public.Addr().String(), log)
	if err != nil {
		t.Fatal(err)
	}
	admin := proxytest.Listen(t)
	srv := server.New(cfg, proxy.New(st, up, log, nil), log)
	srv.UseTLS(front.TLSConfig())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, public, admin) }()
	t.Cleanup(func() {
		cancel()
		<-done
		up.Close()
	})
	if err := proxytest.WaitOK("http://"+admin.Addr().String()+"/healthz", done); err != nil {
		t.Fatal(err)
	}
	return "https://localhost:" + portOf(public.Addr().String())
}
