package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// health asks a running poolguard's admin listener for /healthz and exits 0
// when it answers 200: the container image's HEALTHCHECK, which has no
// shell or curl.
func health(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	admin := fs.String("admin", "127.0.0.1:9090", "the admin listener's host:port (admin_listen)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c := &http.Client{Timeout: *timeout}
	resp, err := c.Get("http://" + *admin + "/healthz")
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
