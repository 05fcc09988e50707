package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// networkConfig names a Secrets Manager secret (through secrets.endpoint),
// an admin-mode client (AWS credentials) and an IP list URL, all at ADDR.
const networkConfig = `upstream: {region: us-east-1}
secrets: {endpoint: "http://ADDR"}
clients:
  - client_id: app1
    user_pool_id: us-east-1_abc
    client_secret: aws-secretsmanager:poolguard/app1#secret
    auth_mode: admin
signals:
  ip_lists:
    - {name: reputation, label: "awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList", source: "http://ADDR/list.txt", format: cidr}
`

// noAWS removes every AWS credential source from the environment.
func noAWS(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "none"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "",
	} {
		t.Setenv(k, v)
	}
}

// TestValidateOffline: without AWS credentials, a config that needs
// Secrets Manager, AWS credentials and an IP list URL validates offline,
// says which checks it did not run, and opens no connection (its
// endpoints point at a listener that counts them).
func TestValidateOffline(t *testing.T) {
	noAWS(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	path := filepath.Join(t.TempDir(), "poolguard.yaml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(networkConfig, "ADDR", ln.Addr().String())), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "validate", "--config", path)
	ln.Close() // the accept loop ends; every connection made is counted
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		path + ":6: clients[0].client_secret: the AWS Secrets Manager secret is not read",
		path + ":7: clients[0].auth_mode: admin mode: AWS credentials are not retrieved",
		path + ":10: signals.ip_lists[0].source: the list is not downloaded",
		"run with --online",
		path + ": ok",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("offline validate opened %d connections", n)
	}
}

// TestValidateOnlineUnreachable: --online against an endpoint that
// refuses connections, without AWS credentials, fails naming each source.
func TestValidateOnlineUnreachable(t *testing.T) {
	noAWS(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused
	path := filepath.Join(t.TempDir(), "poolguard.yaml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(networkConfig, "ADDR", addr)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "validate", "--online", "--config", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		path + ":6: clients[0].client_secret (app1):",
		path + ":7: clients[0].auth_mode (app1): admin mode: no usable AWS credentials",
		"reputation",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("errors lack %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(out, ": ok") {
		t.Errorf("reported ok:\n%s", out)
	}
}
