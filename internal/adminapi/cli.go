package adminapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// DefaultAdminURL is the admin listener's default address.
const DefaultAdminURL = "http://127.0.0.1:9090"

// DefaultTokenEnv names the environment variable holding the token.
const DefaultTokenEnv = "POOLGUARD_ADMIN_TOKEN"

const cliUsage = `usage:
  poolguard ipset add    NAME ADDR... [--ttl 1h] [--admin URL] [--token-env NAME]
  poolguard ipset remove NAME ADDR... [--ttl 1h] [--admin URL] [--token-env NAME]
  poolguard ipset list   [NAME]               [--admin URL] [--token-env NAME]

ADDR is an address or CIDR, "-" for one per line on standard input, or
@FILE for one per line in FILE (blank lines and # comments skipped); large
inputs are sent in batches of ` + "1000" + ` with progress on standard error.
NAME must be an IP set the proxy's configuration defines, and each address
of its family (a V4 set takes IPv4 only); the proxy refuses anything else
and lists its sets. Every change is in the proxy's audit log.

--admin defaults to $POOLGUARD_ADMIN_URL, else ` + DefaultAdminURL + `;
the token is read from the variable --token-env names (default ` + DefaultTokenEnv + `).
`

// batchSize is how many addresses one change request carries.
const batchSize = 1000

// CLI runs `poolguard ipset add|remove|list` with args (the words after
// "ipset"; a leading "ipset" is skipped) against the admin API, and returns
// the exit status: 0 on success, 1 when the API refused or failed, 2 for a
// usage error.
func CLI(args []string, stdout, stderr io.Writer) int {
	return cli(args, os.Stdin, stdout, stderr)
}

func cli(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "ipset" {
		args = args[1:]
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stdout, cliUsage)
		return 0
	}
	fs := flag.NewFlagSet("poolguard ipset", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	admin := fs.String("admin", envOr("POOLGUARD_ADMIN_URL", DefaultAdminURL), "")
	tokenEnv := fs.String("token-env", DefaultTokenEnv, "")
	ttl := fs.Duration("ttl", 0, "")
	// Flags may come before, between or after the positional words.
	var pos []string
	for rest := args; ; {
		if err := fs.Parse(rest); errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, cliUsage)
			return 0
		} else if err != nil {
			fmt.Fprintf(stderr, "poolguard ipset: %v\n%s", err, cliUsage)
			return 2
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		rest = rest[1:]
	}
	if len(pos) == 0 {
		fmt.Fprint(stderr, cliUsage)
		return 2
	}
	token := os.Getenv(*tokenEnv)
	if token == "" {
		fmt.Fprintf(stderr, "poolguard ipset: $%s is empty; set it to the admin token\n", *tokenEnv)
		return 2
	}
	c := &client{base: strings.TrimRight(*admin, "/"), token: token, http: &http.Client{Timeout: 10 * time.Second}}
	switch cmd := pos[0]; {
	case cmd == "list" && len(pos) <= 2:
		var resp SetsResponse
		if err := c.do(http.MethodGet, "/v1/ipsets", nil, &resp); err != nil {
			return fail(stderr, err)
		}
		printSets(stdout, resp, pos[1:])
		return 0
	case (cmd == "add" || cmd == "remove") && len(pos) >= 3:
		addrs, err := expandAddresses(pos[2:], stdin)
		if err != nil {
			fmt.Fprintf(stderr, "poolguard ipset: %v\n", err)
			return 2
		}
		if len(addrs) == 0 {
			fmt.Fprintln(stderr, "poolguard ipset: no addresses given")
			return 2
		}
		return c.change(cmd, pos[1], addrs, *ttl, stdout, stderr)
	}
	fmt.Fprint(stderr, cliUsage)
	return 2
}

// change sends addrs to set name in batches, printing progress for more
// than one batch. A refused batch stops the run; the batches before it are
// applied (and said so).
func (c *client) change(cmd, name string, addrs []string, ttl time.Duration, stdout, stderr io.Writer) int {
	method := http.MethodPost
	if cmd == "remove" {
		method = http.MethodDelete
	}
	verb := map[string]string{"add": "added to", "remove": "removed from"}[cmd]
	var resp SetResponse
	for done := 0; done < len(addrs); {
		batch := addrs[done:min(done+batchSize, len(addrs))]
		req := ChangeRequest{Addresses: batch}
		if ttl > 0 {
			req.TTL = ttl.String()
		}
		if err := c.do(method, "/v1/ipsets/"+url.PathEscape(name), req, &resp); err != nil {
			if done > 0 {
				fmt.Fprintf(stderr, "poolguard ipset: %d of %d address(es) were %s %s before this batch failed\n", done, len(addrs), verb, name)
			}
			return failAt(stderr, err, done)
		}
		done += len(batch)
		if len(addrs) > batchSize {
			fmt.Fprintf(stderr, "%d/%d\n", done, len(addrs))
		}
	}
	fmt.Fprintf(stdout, "%d address(es) %s %s; it now holds %d\n", len(addrs), verb, name, resp.IPSet.Size)
	return 0
}

// expandAddresses replaces "-" with the lines of stdin and @FILE with the
// lines of FILE, skipping blank lines and # comments.
func expandAddresses(args []string, stdin io.Reader) ([]string, error) {
	var out []string
	for _, a := range args {
		var rd io.Reader
		switch {
		case a == "-":
			rd = stdin
		case strings.HasPrefix(a, "@"):
			f, err := os.Open(a[1:])
			if err != nil {
				return nil, err
			}
			defer f.Close()
			rd = f
		default:
			out = append(out, a)
			continue
		}
		sc := bufio.NewScanner(rd)
		for sc.Scan() {
			line, _, _ := strings.Cut(sc.Text(), "#")
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", a, err)
		}
	}
	return out, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func fail(stderr io.Writer, err error) int { return failAt(stderr, err, 0) }

// failAt reports err for a batch starting at address index offset.
func failAt(stderr io.Writer, err error, offset int) int {
	fmt.Fprintf(stderr, "poolguard ipset: %v\n", err)
	if e, ok := err.(*Error); ok {
		for _, b := range e.Invalid {
			fmt.Fprintf(stderr, "  addresses[%d] %q: %s\n", offset+b.Index, b.Address, b.Reason)
		}
	}
	return 1
}

func printSets(w io.Writer, resp SetsResponse, only []string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range resp.IPSets {
		if len(only) == 1 && s.Name != only[0] {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d entries\t\n", s.Name, s.Origin, s.Size)
		for _, e := range s.Entries {
			exp := "never"
			if e.Expires != nil {
				exp = e.Expires.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "  %s\t%s\texpires %s\t\n", e.Address, e.Source, exp)
		}
		for _, e := range s.Removed {
			fmt.Fprintf(tw, "  -%s\tremoved\t\t\n", e.Address)
		}
	}
	tw.Flush()
}

type client struct {
	base, token string
	http        *http.Client
}

// do sends body as JSON and decodes the answer into out, or returns the
// API's *Error.
func (c *client) do(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var env struct{ Error *Error }
		if json.Unmarshal(data, &env) == nil && env.Error != nil {
			env.Error.Status = resp.StatusCode
			return env.Error
		}
		return fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	return json.Unmarshal(data, out)
}
