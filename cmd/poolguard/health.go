package main

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

const healthUsage = `Usage: poolguard health [--admin HOST:PORT] [--timeout 3s]

Asks a running poolguard's admin listener for /healthz: exit 0 and its
answer on standard output when it answers 200, else exit 1.
`

// health asks a running poolguard's admin listener for /healthz and exits 0
// when it answers 200: the container image's HEALTHCHECK, which has no
// shell or curl.
func health(args []string, stdout, stderr io.Writer) int {
	c := newCommand("health", healthUsage)
	admin := c.fs.String("admin", "127.0.0.1:9090", "the admin listener's host:port (admin_listen)")
	timeout := c.fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.fail(stderr, "unexpected argument %q", pos[0])
	}
	hc := &http.Client{Timeout: *timeout}
	resp, err := hc.Get("http://" + *admin + "/healthz")
	if err != nil {
		fmt.Fprintln(stderr, "poolguard health:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "poolguard health: %s: %s\n", resp.Status, body)
		return 1
	}
	fmt.Fprintf(stdout, "%s", body)
	return 0
}
