package waflog

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// hiveType is a parsed Hive column type: a primitive, array<T> or
// struct<name:T,...>.
type hiveType struct {
	kind   string // "bigint", "int", "string", "boolean", "double", "array", "struct"
	elem   *hiveType
	fields map[string]*hiveType
}

// parseHiveType parses s from position i and returns the type and the
// position after it.
func parseHiveType(s string, i int) (*hiveType, int, error) {
	j := i
	for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= '0' && s[j] <= '9') {
		j++
	}
	t := &hiveType{kind: s[i:j]}
	switch t.kind {
	case "bigint", "int", "string", "boolean", "double":
		return t, j, nil
	case "array":
		if s[j] != '<' {
			return nil, j, fmt.Errorf("want < at %d", j)
		}
		elem, k, err := parseHiveType(s, j+1)
		if err != nil {
			return nil, k, err
		}
		if s[k] != '>' {
			return nil, k, fmt.Errorf("want > at %d", k)
		}
		t.elem = elem
		return t, k + 1, nil
	case "struct":
		t.fields = map[string]*hiveType{}
		k := j + 1
		for {
			c := strings.IndexByte(s[k:], ':')
			name := s[k : k+c]
			ft, n, err := parseHiveType(s, k+c+1)
			if err != nil {
				return nil, n, err
			}
			t.fields[name] = ft
			if s[n] == '>' {
				return t, n + 1, nil
			}
			if s[n] != ',' {
				return nil, n, fmt.Errorf("want , at %d in %q", n, s[n:])
			}
			k = n + 1
		}
	}
	return nil, j, fmt.Errorf("unknown type %q at %d", t.kind, i)
}

var ddlColumn = regexp.MustCompile("(?m)^\\s*`(\\w+)`\\s+(.+?),?$")

// loadDDL parses testdata/waf_logs.ddl (docs/athena.md carries the same
// statement) into one struct type for the whole record.
func loadDDL(t *testing.T) *hiveType {
	t.Helper()
	b, err := os.ReadFile("testdata/waf_logs.ddl")
	if err != nil {
		t.Fatal(err)
	}
	rec := &hiveType{kind: "struct", fields: map[string]*hiveType{}}
	body := string(b)
	body = body[strings.Index(body, "(")+1 : strings.Index(body, "\n)")]
	for _, m := range ddlColumn.FindAllStringSubmatch(body, -1) {
		typ := strings.ReplaceAll(m[2], " ", "")
		ht, n, err := parseHiveType(typ, 0)
		if err != nil || n != len(typ) {
			t.Fatalf("column %s: %q: %v (parsed %d of %d)", m[1], typ, err, n, len(typ))
		}
		rec.fields[m[1]] = ht
	}
	if len(rec.fields) < 20 {
		t.Fatalf("parsed only %d columns", len(rec.fields))
	}
	return rec
}

// conform checks the decoded JSON value v against t, reporting each
// mismatch with its path. Field names match case-insensitively, as the
// OpenX JSON SerDe matches them. JSON null fits every type.
func conform(path string, v any, t *hiveType) []string {
	if v == nil {
		return nil
	}
	bad := func(want string) []string { return []string{fmt.Sprintf("%s: got %T %v, want %s", path, v, v, want)} }
	switch t.kind {
	case "bigint", "int":
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			return bad(t.kind)
		}
	case "double":
		if _, ok := v.(float64); !ok {
			return bad("double")
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return bad("boolean")
		}
	case "string":
		if _, ok := v.(string); ok {
			return nil
		}
		// responseCodeSent and captchaResponse.responseCode are JSON
		// numbers in AWS's own logs and string columns in AWS's DDL; the
		// SerDe converts them.
		if _, ok := v.(float64); ok && (strings.HasSuffix(path, ".responseCodeSent") || strings.HasSuffix(path, "Response.responseCode")) {
			return nil
		}
		return bad("string")
	case "array":
		a, ok := v.([]any)
		if !ok {
			return bad("array")
		}
		var errs []string
		for i, e := range a {
			errs = append(errs, conform(fmt.Sprintf("%s[%d]", path, i), e, t.elem)...)
		}
		return errs
	case "struct":
		m, ok := v.(map[string]any)
		if !ok {
			return bad("struct")
		}
		var errs []string
		for k, fv := range m {
			ft, ok := t.fields[strings.ToLower(k)]
			if !ok {
				errs = append(errs, fmt.Sprintf("%s.%s: not in the DDL", path, k))
				continue
			}
			errs = append(errs, conform(path+"."+k, fv, ft)...)
		}
		return errs
	}
	return nil
}

func TestDDLMatchesDocs(t *testing.T) {
	ddl, err := os.ReadFile("testdata/waf_logs.ddl")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../../docs/athena.md")
	if err != nil {
		t.Skip("docs/athena.md not present:", err)
	}
	if !strings.Contains(dedent(string(doc)), dedent(strings.TrimSpace(string(ddl)))) {
		t.Error("docs/athena.md does not contain testdata/waf_logs.ddl (up to indentation); update one or the other")
	}
}

func dedent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, " \t")
	}
	return strings.Join(lines, "\n")
}
