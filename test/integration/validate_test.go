package integration

import (
	"github.com/poolguard/poolguard/internal/testkit/proxytest"

	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// validateSecret is a client secret the validate tests put in configs and
// the environment; it must never appear in validate's output.
const validateSecret = "TOPSECRET-validate-8e41c07b2f"

// validateCase is one config file for `poolguard validate`.
type validateCase struct {
	name   string
	config string            // {{SECRET_FILE}} is replaced by a file holding validateSecret
	env    map[string]string // added to the environment
	code   int               // exit status
	// want are strings the output must contain; {{FILE}} is the config's path.
	want []string
	// blockedOn, when set, names a known bug that makes the case fail; the
	// case is skipped with that reason until the bug is fixed.
	blockedOn string
}

// validateCases cover a good config, warnings, and the kinds of bad config:
// strict keys, bad values, unresolvable secrets, YAML errors. Every one of
// them has the secret somewhere.
func validateCases() []validateCase {
	const head = "listen: 127.0.0.1:8080\nadmin_listen: 127.0.0.1:9090\nupstream: {region: us-east-1}\nclients:\n  - client_id: 1example23456789\n"
	withSecret := map[string]string{"PG_IT_SECRET": validateSecret}
	return []validateCase{
		{name: "valid, secret from a file",
			config: head + "    client_secret: file:{{SECRET_FILE}}\n",
			want:   []string{"{{FILE}}: ok"}},
		{name: "valid, secret from the environment",
			config: head + "    client_secret: env:PG_IT_SECRET\n", env: withSecret,
			want: []string{"{{FILE}}: ok"}},
		{name: "valid, literal secret is warned about",
			config: head + "    client_secret: " + validateSecret + "\n",
			want:   []string{"{{FILE}}: ok", "{{FILE}}:6: clients[0].client_secret:"}},
		{name: "unknown key and bad values",
			config: head + "    client_secret: " + validateSecret + "\n    refresh: sometimes\n    colour: blue\nunknown_clients: maybe\n",
			code:   1,
			want:   []string{"{{FILE}}:7: clients[0].refresh:", "{{FILE}}:8: clients[0].colour: unknown key", "{{FILE}}:9: unknown_clients:"}},
		{name: "secret in an unset variable",
			config: head + "    client_secret: env:PG_IT_UNSET_SECRET\n", code: 1,
			want: []string{"{{FILE}}", "clients[0]", "client_secret", "PG_IT_UNSET_SECRET"}},
		{name: "secret file missing",
			config: head + "    client_secret: file:/nonexistent/poolguard-secret\n", code: 1,
			want: []string{"{{FILE}}", "clients[0]", "client_secret", "/nonexistent/poolguard-secret"}},
		{name: "secret from the environment, config invalid",
			config: head + "    client_secret: env:PG_IT_SECRET\n    refresh: never\n", env: withSecret, code: 1,
			want: []string{"{{FILE}}:7: clients[0].refresh:"}},
		{name: "secret given as a mapping",
			config: head + "    client_secret: {value: " + validateSecret + "}\n", code: 1,
			want: []string{"{{FILE}}:6"}},
		{name: "a value of the wrong type names its key",
			config: head + "    client_secret: {value: " + validateSecret + "}\n", code: 1,
			want: []string{"{{FILE}}:6: clients[0].client_secret:"}},
		{name: "a secret under a key of another type is not echoed",
			config: head + "    client_secret: env:PG_IT_SECRET\n    propagate_ip: " + validateSecret + "\n", env: withSecret, code: 1,
			want: []string{"{{FILE}}:7: clients[0].propagate_ip: wrong type"}},
		{name: "secret in a broken YAML line",
			config: head + "    client_secret: \"" + validateSecret + "\n    refresh: remember\n", code: 1,
			want: []string{"{{FILE}}"}},
		{name: "secret as the value of a misspelt key",
			config: head + "    client_secert: " + validateSecret + "\n", code: 1,
			want: []string{"{{FILE}}:6: clients[0].client_secert: unknown key"}},
	}
}

// TestBinaryValidate runs `poolguard validate --config` on each case and
// checks its exit status, that its messages name the file, line and key,
// and that the secret's value never appears in its output.
func TestBinaryValidate(t *testing.T) {
	bin := poolguardBinary(t)
	for _, c := range validateCases() {
		t.Run(c.name, func(t *testing.T) {
			if c.blockedOn != "" {
				t.Skip("blocked on: " + c.blockedOn)
			}
			dir := t.TempDir()
			secretFile := filepath.Join(dir, "client-secret")
			proxytest.WriteFile(t, secretFile, validateSecret+"\n")
			path := filepath.Join(dir, "poolguard.yaml")
			proxytest.WriteFile(t, path, strings.ReplaceAll(c.config, "{{SECRET_FILE}}", secretFile))

			cmd := exec.Command(bin, "validate", "--config", path)
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "PG_IT_") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			for k, v := range c.env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != c.code {
				t.Errorf("exit status %d, want %d; output:\n%s", code, c.code, out.String())
			}
			for _, w := range c.want {
				if w = strings.ReplaceAll(w, "{{FILE}}", path); !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			checkNoSecrets(t, "validate output", out.String(), validateSecret)
		})
	}
}
