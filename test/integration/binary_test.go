package integration

import (
	"github.com/poolguard/poolguard/internal/testkit/proxytest"

	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// The poolguard binary, built once for the package's tests by
// poolguardBinary and removed by TestMain.
var (
	buildOnce sync.Once
	buildDir  string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// poolguardBinary builds cmd/poolguard (once per test binary) and returns
// its path.
func poolguardBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			buildErr = err
			return
		}
		if buildDir, buildErr = os.MkdirTemp("", "poolguard-integration-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "poolguard")
		out, err := exec.Command(goTool, "build", "-o", binPath, "github.com/poolguard/poolguard/cmd/poolguard").CombinedOutput()
		if err != nil {
			buildErr = errors.New("go build ./cmd/poolguard: " + err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// freeAddr returns a loopback address that was free a moment ago, for a
// child process's listen keys.
func freeAddr(t *testing.T) string { return closedAddr(t) }

// process is a running poolguard child process.
type process struct {
	cmd    *exec.Cmd
	stderr *proxytest.SyncBuffer
	exited chan error // receives Wait's result once
	done   chan struct{}
	err    error // Wait's result, valid after done is closed
}

// startBinary runs bin with args and kills it by PID when the test ends if
// it is still running.
func startBinary(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), stderr: &proxytest.SyncBuffer{}, exited: make(chan error, 1), done: make(chan struct{})}
	p.cmd.Stdout = p.stderr
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		p.exited <- p.err
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// TestBinaryServeDrainsOnSIGTERM runs `poolguard serve --config`, holds a
// request in flight at a deliberately slow upstream, sends SIGTERM, and
// checks that the proxy stops accepting connections but finishes that
// request before exiting with status 0.
func TestBinaryServeDrainsOnSIGTERM(t *testing.T) {
	bin := poolguardBinary(t)
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", cognitotest.ContentType)
		_, _ = io.WriteString(w, `{"UserConfirmed":false,"UserSub":"drained-request"}`)
	}))
	t.Cleanup(slow.Close)
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock) // runs before slow.Close

	dir := t.TempDir()
	public, admin := freeAddr(t), freeAddr(t)
	cfg := proxyConfig{Listen: public, AdminListen: admin, Upstream: slow.URL,
		Clients: []clientConfig{{ID: errClientID, PoolID: errPoolID, Secret: errSecret}}}
	path := filepath.Join(dir, "poolguard.yaml")
	proxytest.WriteFile(t, path, string(cfg.yaml(t, dir)))

	p := startBinary(t, bin, "serve", "--config", path)
	if err := proxytest.WaitOK("http://"+admin+"/healthz", p.exited); err != nil {
		t.Fatalf("%v\noutput:\n%s", err, p.stderr)
	}

	type result struct {
		status int
		body   string
		err    error
	}
	inFlight := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, "http://"+public+"/",
			strings.NewReader(`{"ClientId":"`+errClientID+`","Username":"draining","Password":"`+firstPassword+`"}`))
		req.Header.Set("Content-Type", cognitotest.ContentType)
		req.Header.Set("X-Amz-Target", cognitotest.TargetPrefix+"SignUp")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			inFlight <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		inFlight <- result{resp.StatusCode, string(b), err}
	}()
	select {
	case <-arrived:
	case r := <-inFlight:
		t.Fatalf("the request finished before reaching the upstream: %+v", r)
	case <-time.After(readyTimeout):
		t.Fatal("the request never reached the upstream")
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !poll(func() bool { return dialRefused(public) }) {
		t.Fatal("the public listener still accepts connections after SIGTERM")
	}
	// Showing that the process waits for the request needs a span of time
	// during which it must not exit: drainProbe, far below the configured
	// shutdown timeout. This is the package's only fixed wait.
	select {
	case <-p.done:
		t.Fatalf("poolguard exited (%v) with a request in flight\noutput:\n%s", p.err, p.stderr)
	case <-time.After(drainProbe):
	}
	if resp, err := http.Get("http://" + admin + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("/healthz answers 200 while draining")
		}
	}

	unblock()
	select {
	case r := <-inFlight:
		if r.err != nil || r.status != http.StatusOK || !strings.Contains(r.body, "drained-request") {
			t.Errorf("in-flight request: status %d body %q err %v; want the upstream's 200", r.status, r.body, r.err)
		}
	case <-time.After(readyTimeout):
		t.Fatal("the in-flight request did not complete after the upstream answered")
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("poolguard serve exited with %v, want status 0\noutput:\n%s", p.err, p.stderr)
		}
	case <-time.After(readyTimeout):
		t.Fatalf("poolguard serve did not exit after draining\noutput:\n%s", p.stderr)
	}
	checkNoSecrets(t, "poolguard serve output", p.stderr.String(), errSecret, firstPassword)
}

// drainProbe is how long TestBinaryServeDrainsOnSIGTERM holds a request in
// flight after SIGTERM, checking the process does not exit meanwhile.
const drainProbe = 300 * time.Millisecond

// poll calls cond every 10ms until it holds (true) or readyTimeout passes
// (false).
func poll(cond func() bool) bool {
	deadline := time.Now().Add(readyTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// dialRefused reports whether nothing accepts connections at addr.
func dialRefused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return true
	}
	c.Close()
	return false
}
