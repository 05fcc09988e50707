package waf

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// modsecNames maps the names of ModSecurity's transformations (as
// testdata/transform/modsecurity/*.json name them) to the AWS WAF text
// transformation that does the same job. ModSecurity transformations
// AWS has no counterpart of (sha1, length, parity, encodings) were not
// copied.
var modsecNames = map[string]string{
	"base64Decode": "BASE64_DECODE", "base64DecodeExt": "BASE64_DECODE_EXT", "cmdLine": "CMD_LINE",
	"compressWhitespace": "COMPRESS_WHITE_SPACE", "cssDecode": "CSS_DECODE", "escapeSeqDecode": "ESCAPE_SEQ_DECODE",
	"hexDecode": "HEX_DECODE", "htmlEntityDecode": "HTML_ENTITY_DECODE", "jsDecode": "JS_DECODE",
	"lowercase": "LOWERCASE", "md5": "MD5", "normalisePath": "NORMALIZE_PATH", "normalisePathWin": "NORMALIZE_PATH_WIN",
	"removeCommentsChar": "REMOVE_COMMENTS_CHAR", "removeNulls": "REMOVE_NULLS", "removeWhitespace": "REMOVE_WHITESPACE",
	"replaceComments": "REPLACE_COMMENTS", "replaceNulls": "REPLACE_NULLS", "sqlHexDecode": "SQL_HEX_DECODE",
	"trim": "TRIM", "trimLeft": "TRIM_LEFT", "trimRight": "TRIM_RIGHT", "uppercase": "UPPERCASE",
	"urlDecode": "URL_DECODE", "urlDecodeUni": "URL_DECODE_UNI", "utf8toUnicode": "UTF8_TO_UNICODE",
}

// modsecCase is one vector of ModSecurity's transformation tests.
type modsecCase struct {
	Name   string `json:"name"`
	Input  string `json:"input"`
	Output string `json:"output"`
	Ret    int    `json:"ret"`
}

// binEscape is a byte the vectors write as text, as ModSecurity's runner
// reads them (json2bin in its test/unit/unit_test.cc): \xHH, or \u00HH.
var binEscape = regexp.MustCompile(`\\x[0-9A-Fa-f]{2}|\\u00[0-9A-Fa-f]{2}`)

// modsecCases reads every vector, turning the bytes written as \xHH or
// \u00HH text into those bytes, in inputs and outputs, as ModSecurity's
// runner does (Coraza's runner differs: it Go-unquotes the string, and
// tests the empty string when that fails).
func modsecCases(t *testing.T) []modsecCase {
	t.Helper()
	files, err := filepath.Glob("testdata/transform/modsecurity/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	decode := func(s string) string {
		return binEscape.ReplaceAllStringFunc(s, func(e string) string {
			b, _ := strconv.ParseUint(e[len(e)-2:], 16, 8) // two hex digits: cannot fail
			return string([]byte{byte(b)})
		})
	}
	var all []modsecCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cs []modsecCase
		if err := json.Unmarshal(b, &cs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// The file names the transformation: a few vectors carry a case
		// name instead ("md5-test1", "invalidCharacter").
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if modsecNames[name] == "" {
			t.Fatalf("%s: %s has no AWS name here", f, name)
		}
		for _, c := range cs {
			c.Name = name
			c.Input, c.Output = decode(c.Input), decode(c.Output)
			all = append(all, c)
		}
	}
	return all
}

// awsDifference is one vector where poolguard, following AWS WAF's
// documentation, answers otherwise than the published output: the golden
// file testdata/transform/aws-differences.json lists each, with why. The
// strings are Go-quoted: JSON cannot hold the bytes that are not UTF-8.
type awsDifference struct {
	Transformation string `json:"transformation"`
	Input          string `json:"input"`
	Published      string `json:"published"`
	Poolguard      string `json:"poolguard"`
	Why            string `json:"why"`
}

const differencesGolden = "testdata/transform/aws-differences.json"

// TestTransformsModSecurityVectors runs ModSecurity's transformation
// vectors (as published in Coraza's repository) through the AWS
// transformations. Every vector must give ModSecurity's output, or be a
// deliberate difference recorded, with its reason, in
// testdata/transform/aws-differences.json; a recorded difference that no
// longer differs fails too. -update rewrites the file, keeping the
// reasons and leaving new ones empty, which fails until one is written.
func TestTransformsModSecurityVectors(t *testing.T) {
	var got []awsDifference
	cases := modsecCases(t)
	for _, c := range cases {
		typ := modsecNames[c.Name]
		out, changed := transformByName[typ](nil, []byte(c.Input))
		if !changed && string(out) != c.Input {
			t.Errorf("%s(%q) reported no change but returned %q", typ, c.Input, out)
		}
		if string(out) != c.Output {
			got = append(got, awsDifference{Transformation: typ,
				Input: strconv.Quote(c.Input), Published: strconv.Quote(c.Output), Poolguard: strconv.Quote(string(out))})
		}
	}
	t.Logf("%d ModSecurity vectors, %d recorded AWS differences", len(cases), len(got))
	var want []awsDifference
	if b, err := os.ReadFile(differencesGolden); err == nil {
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
	}
	key := func(d awsDifference) string { return d.Transformation + "\x00" + d.Input }
	why := map[string]string{}
	for _, d := range want {
		why[key(d)] = d.Why
	}
	for i := range got {
		got[i].Why = why[key(got[i])]
	}
	if *update {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(differencesGolden, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range got {
		if d.Why == "" {
			t.Errorf("%s(%s) = %s, published %s: not a recorded difference (record it with its reason in %s, or fix the transformation)",
				d.Transformation, d.Input, d.Poolguard, d.Published, differencesGolden)
		}
	}
	for _, d := range want {
		if !slices.ContainsFunc(got, func(g awsDifference) bool { return key(g) == key(d) && g.Poolguard == d.Poolguard }) {
			t.Errorf("%s(%s): recorded as %s, now gives another answer: update %s", d.Transformation, d.Input, d.Poolguard, differencesGolden)
		}
	}
}
