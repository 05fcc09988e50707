package cognitotest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// RequireMotoEnv is the environment variable that, set to "1", turns
// StartMoto's skip (moto_server not on PATH) into a test failure. CI sets it.
const RequireMotoEnv = "POOLGUARD_REQUIRE_MOTO"

// motoReadyTimeout bounds how long StartMoto waits for moto_server to answer.
const motoReadyTimeout = 30 * time.Second

// Moto is a running moto_server process started by StartMoto.
//
// Its methods are safe for concurrent use. The process is stopped by the
// cleanup StartMoto registers; there is nothing to close.
type Moto struct {
	// URL is the server's base URL, e.g. "http://127.0.0.1:41234", without a
	// trailing slash. Use it as the Cognito endpoint.
	URL string

	cmd    *exec.Cmd
	output *lockedBuffer
	done   chan struct{} // closed when the process has exited
	stop   sync.Once
}

// StartMoto starts moto_server on a free loopback port and waits (bounded)
// until it answers. The process runs in its own process group and is killed,
// with everything it started, when the test ends.
//
// When moto_server is not on PATH, StartMoto skips the test, or fails it if
// the environment variable named by RequireMotoEnv is "1".
func StartMoto(t testing.TB) *Moto {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		msg := "moto_server not found on PATH (pip install 'moto[server]'): skipping a test that needs it"
		if os.Getenv(RequireMotoEnv) == "1" {
			t.Fatalf("%s is 1 but %s", RequireMotoEnv, msg)
		}
		t.Skip(msg)
	}
	port, err := freePort()
	if err != nil {
		t.Fatalf("moto: finding a free port: %v", err)
	}
	m := &Moto{
		URL:    "http://127.0.0.1:" + strconv.Itoa(port),
		output: &lockedBuffer{},
		done:   make(chan struct{}),
	}
	m.cmd = exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	m.cmd.Env = append(os.Environ(),
		"MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY=HASH",
		"MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY=HASH",
		"PYTHONUNBUFFERED=1",
	)
	m.cmd.Stdout = m.output
	m.cmd.Stderr = m.output
	m.cmd.SysProcAttr = ownProcessGroup()
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("moto: starting %s: %v", bin, err)
	}
	go func() {
		_ = m.cmd.Wait()
		close(m.done)
	}()
	t.Cleanup(m.kill)

	if err := m.waitReady(motoReadyTimeout); err != nil {
		m.kill()
		t.Fatalf("moto: %v; output:\n%s", err, m.output.String())
	}
	return m
}

// PID returns the process id of moto_server (the leader of its process group).
func (m *Moto) PID() int { return m.cmd.Process.Pid }

// Client returns an aws-sdk-go-v2 Cognito client whose endpoint is this
// moto_server, for setting up pools, clients and users directly.
func (m *Moto) Client() *cip.Client { return NewClient(m.URL) }

// Reset clears all of moto's state (every pool, client and user) through
// POST /moto-api/reset.
func (m *Moto) Reset() error {
	resp, err := http.Post(m.URL+"/moto-api/reset", "application/json", nil)
	if err != nil {
		return fmt.Errorf("moto reset: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("moto reset: status %d", resp.StatusCode)
	}
	return nil
}

// waitReady polls GET /moto-api/ until it answers 200, the process exits, or
// timeout passes.
func (m *Moto) waitReady(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.URL+"/moto-api/", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-m.done:
			return fmt.Errorf("moto_server exited before it was ready (%v)", m.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("moto_server not ready after %v", timeout)
		case <-tick.C:
		}
	}
}

// kill stops the process group and waits for the process to be reaped.
func (m *Moto) kill() {
	m.stop.Do(func() {
		killGroup(m.cmd.Process)
		select {
		case <-m.done:
		case <-time.After(10 * time.Second):
		}
	})
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// lockedBuffer is a bytes.Buffer safe for concurrent writes and reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
