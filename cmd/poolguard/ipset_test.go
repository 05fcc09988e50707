package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/ops/adminapi"
	"github.com/poolguard/poolguard/internal/rules/ipsets"
)

const adminToken = "s3cret-token"

// adminAPI starts the admin API on a registry with the IP sets DenyList
// (holding 192.0.2.0/24) and DenyListV4 (IPv4, empty), its clock at t0.
func adminAPI(t *testing.T) string {
	t.Helper()
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	reg, err := ipsets.Open(context.Background(), ipsets.NewFile(t.TempDir()), t0)
	if err != nil {
		t.Fatal(err)
	}
	b := reg.Begin()
	b.Define("DenyList", []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")})
	b.Define("DenyListV4", nil)
	b.SetVersion("DenyListV4", "IPV4")
	b.Commit(t0)
	srv := httptest.NewServer(adminapi.New(adminapi.Options{Token: adminToken, IPSets: reg, Now: func() time.Time { return t0 }}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestIPSet(t *testing.T) {
	url := adminAPI(t)
	t.Setenv("PG_TOKEN", adminToken)
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
		var out, errb bytes.Buffer
		code := ipsetCommand(append(tt.args, "--admin", url, "--token-env", "PG_TOKEN"), nil, &out, &errb)
		if code != tt.wantCode || !strings.Contains(out.String()+errb.String(), tt.wantOut) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d and %q", tt.args, code, out.String(), errb.String(), tt.wantCode, tt.wantOut)
		}
	}
	if code, _, errOut := runCmd(t, "ipset", "list", "--admin", url, "--token-env", "PG_UNSET"); code != 2 || !strings.Contains(errOut, "$PG_UNSET is empty") {
		t.Errorf("without a token: %d %q", code, errOut)
	}
}

// Bulk input: "-" reads standard input and @FILE a file, one address per
// line; more than one batch reports progress, and the index of a refused
// address counts from the first address, across batches; an unknown set is
// refused with the known ones listed.
func TestIPSetBulk(t *testing.T) {
	url := adminAPI(t)
	t.Setenv("PG_TOKEN", adminToken)
	run := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := ipsetCommand(append(args, "--admin", url, "--token-env", "PG_TOKEN"), strings.NewReader(stdin), &out, &errb)
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
	lines.Reset()
	for i := range 1500 {
		fmt.Fprintf(&lines, "10.200.%d.%d\n", i/250, i%250)
	}
	lines.WriteString("10.200.300.1\n") // address 1500, in the second batch
	code, _, errs = run(lines.String(), "add", "DenyListV4", "-")
	if code != 1 || !strings.Contains(errs, "1000 of 1501 address(es) were added to DenyListV4 before this batch failed") || !strings.Contains(errs, `addresses[1500] "10.200.300.1"`) {
		t.Fatalf("second batch refused: exit %d, %q", code, errs)
	}
}
