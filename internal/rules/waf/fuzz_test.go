package waf

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzLoad feeds arbitrary documents to the loader and compiler: they must
// return an engine or an error, never panic.
func FuzzLoad(f *testing.F) {
	paths, _ := filepath.Glob("testdata/conformance/*/rules.json")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"RuleGroup":{"Name":"g","Rules":[]}}`))
	opts := testOptions()
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := New(data, opts)
		if err == nil && e == nil {
			t.Fatal("nil engine without error")
		}
		if err != nil && err.Error() == "" {
			t.Fatal("empty error message")
		}
	})
}

// idempotent lists the transformations for which AWS's definition makes
// applying them twice the same as once.
var idempotent = map[string]bool{
	"NONE": true, "LOWERCASE": true, "UPPERCASE": true, "COMPRESS_WHITE_SPACE": true,
	"REMOVE_WHITESPACE": true, "TRIM": true, "TRIM_LEFT": true, "TRIM_RIGHT": true,
	"REMOVE_NULLS": true, "REPLACE_NULLS": true, "NORMALIZE_PATH": true, "NORMALIZE_PATH_WIN": true,
	"CMD_LINE": true, "CMD_LINE_WIN": true, "CMD_LINE_UNIX": true,
}

// FuzzTransform runs every transformation over arbitrary input: no panic,
// the input left intact, "unchanged" results equal to the input, and
// idempotence where AWS's semantics guarantee it.
func FuzzTransform(f *testing.F) {
	for _, c := range transformCases {
		f.Add([]byte(c.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		for _, tt := range transformTable {
			out, changed := tt.fn(nil, in)
			if !bytes.Equal(in, orig) {
				t.Fatalf("%s modified its input", tt.name)
			}
			if !changed && !bytes.Equal(out, in) {
				t.Fatalf("%s(%q): unchanged but returned %q", tt.name, in, out)
			}
			if idempotent[tt.name] {
				again, _ := tt.fn(nil, out)
				if !bytes.Equal(again, out) {
					t.Fatalf("%s not idempotent: %q -> %q -> %q", tt.name, in, out, again)
				}
			}
			if tt.name == "UTF8_TO_UNICODE" && utf8.Valid(in) {
				for _, b := range out {
					if b >= utf8.RuneSelf {
						t.Fatalf("UTF8_TO_UNICODE left non-ASCII in %q", out)
					}
				}
			}
		}
		// A chain reuses its buffers; results must not alias the input.
		var s scratch
		ch := chain{tURLDecode, tLowercase, tCompressWhiteSpace, tNormalizePath}
		_ = ch.apply(&s, in)
		if !bytes.Equal(in, orig) {
			t.Fatal("chain modified its input")
		}
	})
}
