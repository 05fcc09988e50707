package adminapi

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLI(t *testing.T) {
	f := newFixture(t, token)
	t.Setenv("PG_TOKEN", token)
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := CLI(append(args, "--admin", f.srv.URL, "--token-env", "PG_TOKEN"), &out, &errb)
		return code, out.String(), errb.String()
	}
	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{[]string{"ipset", "add", "DenyList", "198.51.100.7/32", "198.51.100.8", "--ttl", "1h"}, 0, "2 address(es) added to DenyList; it now holds 3"},
		{[]string{"list"}, 0, "198.51.100.7/32  runtime  expires 2025-03-01T13:00:00Z"},
		{[]string{"list", "Other"}, 0, ""},
		{[]string{"remove", "DenyList", "198.51.100.8/32"}, 0, "it now holds 2"},
		{[]string{"add", "DenyList", "198.51.100.300"}, 1, `addresses[0] "198.51.100.300"`},
		{[]string{"add", "DenyList"}, 2, "usage:"},
		{[]string{"frobnicate"}, 2, "usage:"},
	}
	for _, tt := range tests {
		code, out, errs := run(tt.args...)
		if code != tt.wantCode || !strings.Contains(out+errs, tt.wantOut) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d and %q", tt.args, code, out, errs, tt.wantCode, tt.wantOut)
		}
	}
	var out, errb bytes.Buffer
	if code := CLI([]string{"list", "--admin", f.srv.URL, "--token-env", "PG_UNSET"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "$PG_UNSET is empty") {
		t.Errorf("without a token: %d %q", code, errb.String())
	}
}

// Bulk input: "-" reads standard input and @FILE a file, one address per
// line; more than one batch reports progress; an unknown set is refused
// with the known ones listed; -h answers the usage with exit 0.
func TestCLIBulk(t *testing.T) {
	f := newFixture(t, token)
	t.Setenv("PG_TOKEN", token)
	run := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := cli(append(args, "--admin", f.srv.URL, "--token-env", "PG_TOKEN"), strings.NewReader(stdin), &out, &errb)
		return code, out.String(), errb.String()
	}
	var lines strings.Builder
	lines.WriteString("# scanners seen today\n\n")
	for i := range 2500 {
		fmt.Fprintf(&lines, "10.%d.%d.1\n", i/250, i%250)
	}
	code, out, errs := run(lines.String(), "add", "DenyListV4", "-")
	if code != 0 || !strings.Contains(out, "2500 address(es) added to DenyListV4; it now holds 2500") || !strings.Contains(errs, "1000/2500\n2000/2500\n2500/2500\n") {
		t.Fatalf("stdin: exit %d, %q, %q", code, out, errs)
	}
	path := filepath.Join(t.TempDir(), "remove.txt")
	if err := os.WriteFile(path, []byte("10.0.0.1\n10.0.1.1 # a customer\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs = run("", "remove", "DenyListV4", "@"+path); code != 0 || !strings.Contains(out, "2 address(es) removed from DenyListV4; it now holds 2498") {
		t.Fatalf("@file: exit %d, %q, %q", code, out, errs)
	}
	if code, _, errs = run("", "add", "NoSuchSet", "10.0.0.1"); code != 1 || !strings.Contains(errs, "its IP sets: DenyList, DenyListV4") {
		t.Fatalf("unknown set: exit %d, %q", code, errs)
	}
	if code, _, errs = run("", "add", "DenyListV4", "2001:db8::1"); code != 1 || !strings.Contains(errs, "not an IPv4 address") {
		t.Fatalf("wrong family: exit %d, %q", code, errs)
	}
	for _, h := range []string{"-h", "--help"} {
		var o, e bytes.Buffer
		if code := cli([]string{h}, nil, &o, &e); code != 0 || !strings.Contains(o.String(), "usage:") {
			t.Errorf("%s: exit %d, %q", h, code, o.String())
		}
		if code := cli([]string{"add", h}, nil, &o, &e); code != 0 {
			t.Errorf("add %s: exit %d", h, code)
		}
	}
}
