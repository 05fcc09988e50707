package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
)

// amplifySteps is the full flow of the Amplify page (e2e/amplify/app.js).
var amplifySteps = []string{
	"signUp", "confirmSignUp", "signIn", "fetchAuthSession", "resetPassword",
	"confirmResetPassword", "signOut", "signInNewPassword",
}

// browserRun is what e2e/amplify-browser.mjs prints.
type browserRun struct {
	Scenarios []struct {
		Name string `json:"name"`
		scriptResult
		Origin      string   `json:"origin"`
		Console     []string `json:"console"`
		DriverError string   `json:"driverError"`
	} `json:"scenarios"`
}

// runBrowser bundles nothing: it drives the page at pageURL once, in a
// fresh browser context, with the given query parameters.
func runBrowser(t *testing.T, dir, pageURL, chromiumPath string, params map[string]string) scriptResult {
	t.Helper()
	scen, err := json.Marshal([]map[string]any{{"name": t.Name(), "params": params}})
	if err != nil {
		t.Fatal(err)
	}
	var run browserRun
	runNode(t, dir, "amplify-browser.mjs", 90*time.Second, map[string]string{
		"PAGE_URL": pageURL, "CHROMIUM": chromiumPath, "SCENARIOS": string(scen), "TIMEOUT_MS": "45000",
	}, &run)
	if len(run.Scenarios) != 1 {
		t.Fatalf("browser driver returned %d scenarios", len(run.Scenarios))
	}
	sc := run.Scenarios[0]
	if sc.DriverError != "" {
		t.Fatalf("browser driver: %s\nconsole:\n%s", sc.DriverError, strings.Join(sc.Console, "\n"))
	}
	if len(sc.Console) > 0 {
		t.Logf("page console:\n%s", strings.Join(sc.Console, "\n"))
	}
	return sc.scriptResult
}

// TestAmplifyInBrowserThroughProxy bundles a page built with Amplify JS v6
// (configured with userPoolEndpoint = the proxy), serves it on another
// localhost port, and drives it in headless Chromium through sign-up,
// confirmation, SRP sign-in, a forced token refresh, password reset and
// sign-out. Every call is cross-origin, so Chromium preflights it. The same
// page pointed straight at the strict upstream must fail.
func TestAmplifyInBrowserThroughProxy(t *testing.T) {
	dir := nodeProject(t, "aws-amplify", "playwright-core", "esbuild")
	chromiumPath := chromium(t)
	s := startStack(t)
	existing := "existing-amplify@example.com"
	cognitotest.CreateConfirmedUser(t, s.moto.Client(), s.pool.ID, existing, password, map[string]string{"email": existing})

	site := t.TempDir()
	runNode(t, dir, "build.mjs", time.Minute, map[string]string{"OUT_DIR": site}, nil)
	l := proxytest.Listen(t)
	static := &http.Server{Handler: http.FileServer(http.Dir(site)), ReadHeaderTimeout: readyWait}
	go func() { _ = static.Serve(l) }()
	t.Cleanup(func() { _ = static.Close() })
	// localhost, not 127.0.0.1: another origin than the proxy's even were
	// the ports equal.
	pageOrigin := "http://localhost:" + portOf(l.Addr().String())
	params := func(endpoint, email string) map[string]string {
		return map[string]string{
			"endpoint": endpoint, "pool": s.pool.ID, "client": s.app.ID,
			"email": email, "password": password, "newPassword": newPassword, "existing": existing,
		}
	}

	t.Run("through the proxy", func(t *testing.T) {
		res := runBrowser(t, dir, pageOrigin+"/", chromiumPath, params(s.proxy.URL, "amplify@example.com"))
		t.Logf("steps:%s", res.summary())
		res.requireAllOK(t, amplifySteps...)
		var signIn struct{ UserID, CognitoUsername, Email string }
		res.step(t, "signIn").detail(t, &signIn)
		if signIn.UserID == "" || signIn.CognitoUsername != signIn.UserID || signIn.Email != "amplify@example.com" {
			t.Errorf("signIn detail = %+v; want cognito:username = userId (the sub) and the email", signIn)
		}
		checkPasswordVerifier(t, s, signIn.UserID)
		for _, op := range []string{"SignUp", "ConfirmSignUp", "InitiateAuth", "RespondToAuthChallenge",
			"GetTokensFromRefreshToken", "ForgotPassword", "ConfirmForgotPassword"} {
			if ok, refused := s.hopCount(op); ok == 0 || refused != 0 {
				t.Errorf("hop saw %s accepted %d times, refused %d times; want >0 and 0", op, ok, refused)
			}
		}
		checkPreflights(t, s.proxy.CORS.All(), pageOrigin)
	})

	t.Run("straight at the strict upstream", func(t *testing.T) {
		p := params(s.direct, "amplify-direct@example.com")
		p["steps"], p["keepGoing"] = "signUp,signInExisting", "1"
		res := runBrowser(t, dir, pageOrigin+"/", chromiumPath, p)
		t.Logf("steps:%s", res.summary())
		for _, name := range []string{"signUp", "signInExisting"} {
			st := res.step(t, name)
			if st.OK || st.Error == nil || st.Error.Name != "NotAuthorizedException" {
				t.Errorf("%s straight at the hop: ok=%v error=%+v; want NotAuthorizedException", name, st.OK, st.Error)
			}
		}
	})
}

// checkPreflights checks that Chromium preflighted the page's calls and
// that the proxy allowed them as Cognito does.
func checkPreflights(t *testing.T, seen []preflight, origin string) {
	t.Helper()
	n := 0
	for _, p := range seen {
		if p.Origin != origin {
			continue
		}
		n++
		if p.Status != http.StatusOK || p.AllowOrigin != "*" || !strings.Contains(strings.ToLower(p.AllowHeaders), "x-amz-target") {
			t.Errorf("preflight from %s answered %+v", origin, p)
		}
	}
	if n == 0 {
		t.Errorf("the proxy saw no preflight from %s (saw %+v)", origin, seen)
	}
	t.Logf("%d preflights from %s", n, origin)
}

// portOf returns the port of a host:port address.
func portOf(addr string) string {
	i := strings.LastIndexByte(addr, ':')
	return addr[i+1:]
}
