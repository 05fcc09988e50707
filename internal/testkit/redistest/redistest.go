// Package redistest starts a private redis-server for tests: on a free
// loopback port, without persistence, stopped by PID when the test ends.
//
// Tests never use a Redis already running on the machine (such as the
// system one on 6379). When no redis-server binary is found the test is
// skipped, unless POOLGUARD_REQUIRE_REDIS=1, which makes it fail instead.
package redistest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds how long Start and Restart wait for PING to answer.
const startTimeout = 10 * time.Second

// Server is a redis-server process owned by one test.
//
// Its methods are safe for concurrent use.
type Server struct {
	t      testing.TB
	bin    string
	dir    string
	port   int
	extra  []string
	conf   string // first argument: a config file (Sentinel mode)
	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// Option adds redis-server command-line arguments, for example
// Args("--cluster-enabled", "yes").
type Option func(*Server)

// Args passes extra arguments to redis-server.
func Args(args ...string) Option {
	return func(s *Server) { s.extra = append(s.extra, args...) }
}

// Binary returns the redis-server (or valkey-server) to run: the one named by
// POOLGUARD_REDIS_SERVER, else the first found on PATH or in /usr/bin.
func Binary() (string, bool) {
	if b := os.Getenv("POOLGUARD_REDIS_SERVER"); b != "" {
		return b, true
	}
	for _, name := range []string{"redis-server", "valkey-server"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
		if p := filepath.Join("/usr/bin", name); isFile(p) {
			return p, true
		}
	}
	return "", false
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// Start starts a redis-server for t and stops it when t ends. It skips t if
// no binary is found (fails if POOLGUARD_REQUIRE_REDIS=1).
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bin, ok := Binary()
	if !ok {
		if os.Getenv("POOLGUARD_REQUIRE_REDIS") == "1" {
			t.Fatal("redistest: redis-server not found and POOLGUARD_REQUIRE_REDIS=1 (apt-get install redis-server)")
		}
		t.Skip("redistest: redis-server not found; install the redis-server package (set POOLGUARD_REQUIRE_REDIS=1 to fail instead)")
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	for _, o := range opts {
		o(s)
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if s.port, err = freePort(); err != nil {
			continue
		}
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(s.Kill)
	return s
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Kill stops the server with SIGKILL, by PID, and waits for it to exit.
// Killing a stopped server does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// Pause stops the server process with SIGSTOP, by PID: it keeps its
// connections and answers nothing, as a hung host or a network partition
// would. Resume, Kill or the test's end undoes it.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(sig)
	}
}

// Restart starts the server again on the same port, empty, after Kill.
// It kills a running server first.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var args []string
	if s.conf != "" {
		args = append(args, s.conf, "--sentinel")
	}
	args = append(args, []string{
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir,
		"--logfile", filepath.Join(s.dir, "redis.log"), "--daemonize", "no",
	}...)
	args = append(args, s.extra...)
	cmd := exec.Command(s.bin, args...)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(startTimeout)
	for {
		if err := ping(s.Addr()); err == nil {
			s.cmd, s.exited = cmd, exited
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("%s on port %d exited at start: %s", s.bin, s.port, s.logTail())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("%s on port %d: no PONG within %v: %s", s.bin, s.port, startTimeout, s.logTail())
		}
	}
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, " | ")
}

// Do sends one inline command and returns the reply's first line ("$-1"
// for a missing value), or the content of a bulk-string reply, for test setup and checks (such as
// CLUSTER ADDSLOTSRANGE or CLUSTER INFO) without a client library.
func (s *Server) Do(cmd string) (string, error) {
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "$") {
		return strings.TrimSpace(line), err
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil || n < 0 {
		return strings.TrimSpace(line), err // "$-1": no value
	}
	b := make([]byte, n+2)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return string(b[:n]), nil
}

// Port returns the server's port.
func (s *Server) Port() int { return s.port }

// Running reports whether the server process is running (not killed).
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
