package adminapi

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
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

// batchSize is how many addresses one change request carries.
const batchSize = 1000

// ClientOptions say what `poolguard ipset` asks a running proxy's admin
// API: a plain value the command line fills (cmd/poolguard/ipset.go).
type ClientOptions struct {
	// Admin is the admin API's base URL (DefaultAdminURL when "").
	Admin string
	// Token is the admin token.
	Token string
	// Command is add, remove or list.
	Command string
	// Set names the IP set (add and remove; list shows only it when set).
	Set string
	// Addresses are the addresses or CIDRs to add or remove (see
	// ExpandAddresses for "-" and @FILE).
	Addresses []string
	// TTL, when positive, makes added entries expire.
	TTL time.Duration
	// Log receives progress for more than one batch, and how many
	// addresses were applied before a batch failed; nil drops them.
	Log io.Writer
}

// Check reports options Run cannot send.
func (o ClientOptions) Check() error {
	switch o.Command {
	case "list":
	case "add", "remove":
		if o.Set == "" {
			return errors.New(o.Command + ": name the IP set")
		}
		if len(o.Addresses) == 0 {
			return errors.New("no addresses given")
		}
	default:
		return fmt.Errorf("unknown command %q (want add, remove or list)", o.Command)
	}
	if o.Token == "" {
		return errors.New("no admin token")
	}
	return nil
}

// Run sends the command o describes to the admin API and writes the
// answer to w. add and remove go in batches of 1000 addresses; a refused
// batch stops the run, the batches before it stay applied. The API's
// refusals are *Error, with Invalid indexes counted from the first
// address of o.Addresses.
func Run(ctx context.Context, o ClientOptions, w io.Writer) error {
	if err := o.Check(); err != nil {
		return err
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	c := &client{base: strings.TrimRight(cmp.Or(o.Admin, DefaultAdminURL), "/"), token: o.Token, http: &http.Client{Timeout: 10 * time.Second}}
	if o.Command == "list" {
		var resp SetsResponse
		if err := c.do(ctx, http.MethodGet, "/v1/ipsets", nil, &resp); err != nil {
			return err
		}
		var only []string
		if o.Set != "" {
			only = []string{o.Set}
		}
		printSets(w, resp, only)
		return nil
	}
	return c.change(ctx, o, w)
}

// change sends o.Addresses to o.Set in batches, printing progress for
// more than one batch.
func (c *client) change(ctx context.Context, o ClientOptions, w io.Writer) error {
	method := http.MethodPost
	if o.Command == "remove" {
		method = http.MethodDelete
	}
	verb := map[string]string{"add": "added to", "remove": "removed from"}[o.Command]
	addrs := o.Addresses
	var resp SetResponse
	for done := 0; done < len(addrs); {
		batch := addrs[done:min(done+batchSize, len(addrs))]
		req := ChangeRequest{Addresses: batch}
		if o.TTL > 0 {
			req.TTL = o.TTL.String()
		}
		if err := c.do(ctx, method, "/v1/ipsets/"+url.PathEscape(o.Set), req, &resp); err != nil {
			if done > 0 {
				fmt.Fprintf(o.Log, "poolguard ipset: %d of %d address(es) were %s %s before this batch failed\n", done, len(addrs), verb, o.Set)
			}
			if e, ok := err.(*Error); ok {
				for i := range e.Invalid {
					e.Invalid[i].Index += done
				}
			}
			return err
		}
		done += len(batch)
		if len(addrs) > batchSize {
			fmt.Fprintf(o.Log, "%d/%d\n", done, len(addrs))
		}
	}
	_, err := fmt.Fprintf(w, "%d address(es) %s %s; it now holds %d\n", len(addrs), verb, o.Set, resp.IPSet.Size)
	return err
}

// ExpandAddresses replaces "-" in args with the lines of stdin and @FILE
// with the lines of FILE, skipping blank lines and # comments.
func ExpandAddresses(args []string, stdin io.Reader) ([]string, error) {
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
func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
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
