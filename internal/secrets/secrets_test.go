package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	t.Setenv("PG_TEST_SECRET", "  from-env\n")
	dir := t.TempDir()
	f := filepath.Join(dir, "s")
	if err := os.WriteFile(f, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{"env:PG_TEST_SECRET": "from-env", "file:" + f: "from-file", "literal": "literal"} {
		v, err := Resolve(ref)
		if err != nil || string(v.Bytes()) != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", ref, v.Bytes(), err, want)
		}
	}
	if v, err := Resolve(""); v != nil || err != nil {
		t.Errorf("empty ref: %v %v", v, err)
	}
}

func TestResolveErrorsHideValues(t *testing.T) {
	t.Setenv("PG_EMPTY", "   ")
	for _, ref := range []string{"env:PG_NOT_SET_ANYWHERE", "env:PG_EMPTY", "file:/nonexistent/secret"} {
		_, err := Resolve(ref)
		if err == nil {
			t.Errorf("Resolve(%q): no error", ref)
			continue
		}
		if !strings.Contains(err.Error(), strings.TrimPrefix(strings.TrimPrefix(ref, "env:"), "file:")) {
			t.Errorf("error %q does not name the source", err)
		}
	}
}

func TestValueRotates(t *testing.T) {
	var v Value
	if v.Bytes() != nil {
		t.Fatal("zero Value holds a secret")
	}
	v.Set([]byte("a"))
	v.Set([]byte("b"))
	if string(v.Bytes()) != "b" || v.String() != "[secret]" {
		t.Fatalf("Bytes %q String %q", v.Bytes(), v.String())
	}
}
