package adminapi

import (
	"bytes"
	"encoding/json"
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

--admin defaults to $POOLGUARD_ADMIN_URL, else ` + DefaultAdminURL + `;
the token is read from the variable --token-env names (default ` + DefaultTokenEnv + `).
`

// CLI runs `poolguard ipset add|remove|list` with args (the words after
// "ipset"; a leading "ipset" is skipped) against the admin API, and returns
// the exit status: 0 on success, 1 when the API refused or failed, 2 for a
// usage error.
func CLI(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "ipset" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("poolguard ipset", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	admin := fs.String("admin", envOr("POOLGUARD_ADMIN_URL", DefaultAdminURL), "")
	tokenEnv := fs.String("token-env", DefaultTokenEnv, "")
	ttl := fs.Duration("ttl", 0, "")
	// Flags may come before, between or after the positional words.
	var pos []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
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
		method := http.MethodPost
		if cmd == "remove" {
			method = http.MethodDelete
		}
		req := ChangeRequest{Addresses: pos[2:]}
		if *ttl > 0 {
			req.TTL = ttl.String()
		}
		var resp SetResponse
		if err := c.do(method, "/v1/ipsets/"+url.PathEscape(pos[1]), req, &resp); err != nil {
			return fail(stderr, err)
		}
		verb := map[string]string{"add": "added to", "remove": "removed from"}[cmd]
		fmt.Fprintf(stdout, "%d address(es) %s %s; it now holds %d\n", len(req.Addresses), verb, pos[1], resp.IPSet.Size)
		return 0
	}
	fmt.Fprint(stderr, cliUsage)
	return 2
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "poolguard ipset: %v\n", err)
	if e, ok := err.(*Error); ok {
		for _, b := range e.Invalid {
			fmt.Fprintf(stderr, "  addresses[%d] %q: %s\n", b.Index, b.Address, b.Reason)
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
