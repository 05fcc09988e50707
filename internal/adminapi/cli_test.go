package adminapi

import (
	"bytes"
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
