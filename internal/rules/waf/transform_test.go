package waf

import (
	"crypto/md5"
	"crypto/sha256"
	"testing"
)

// Cases follow the AWS WAF Developer Guide's descriptions of each
// transformation (and, where it is terse, ModSecurity's transformation of
// the same name).
var transformCases = []struct {
	typ, in, want string
}{
	{"NONE", "AbC %20", "AbC %20"},
	{"COMPRESS_WHITE_SPACE", "a \t\n\r\f\vb", "a b"},
	{"COMPRESS_WHITE_SPACE", "a\u00a0\u00a0b  c", "a b c"},
	{"COMPRESS_WHITE_SPACE", "à la", "à la"}, // C3 A0 is not a non-breaking space
	{"COMPRESS_WHITE_SPACE", "a b", "a b"},
	{"HTML_ENTITY_DECODE", "&quot;&lt;script&gt;&amp;&nbsp;", "\"<script>&\xa0"},
	{"HTML_ENTITY_DECODE", "&#x41;&#66;&#x263A;", "AB\u263a"},
	{"HTML_ENTITY_DECODE", "&LT;x&#65 &bogus;", "<xA &bogus;"},
	{"LOWERCASE", "SeLeCT ÄB", "select Äb"},
	{"UPPERCASE", "SeLeCT äb", "SELECT äB"},
	{"CMD_LINE", `C:\Win"do'ws^ /c , ;  DIR (x)`, "c:windows/c dir(x)"},
	{"CMD_LINE", "a\t\tb", "a b"},
	{"CMD_LINE_WIN", `C:\Windows\sys"tem32 ^/C`, `c:\windows\system32/c`},
	{"CMD_LINE_UNIX", `/bin/c\a"t' ETC/p^w ,; /x`, `/bin/cat ETC/p^w/x`},
	{"URL_DECODE", "a%20b+c%3d%zz%4", "a b c=%zz%4"},
	{"URL_DECODE_UNI", "%u0041%uFF21%u263a%41+", "AA:A "},
	{"BASE64_DECODE", "QUJD", "ABC"},
	{"BASE64_DECODE", "QUJDRA==", "ABCD"},
	{"BASE64_DECODE", "QUJD!RA==", "ABC"},
	{"BASE64_DECODE_EXT", "Q!U-J.D", "ABC"},
	{"HEX_DECODE", "414243", "ABC"},
	{"HEX_DECODE", "41zz4", "Azz4"},
	{"MD5", "abc", string(md5Sum("abc"))},
	{"SHA256", "abc", string(sha256Sum("abc"))},
	{"REPLACE_COMMENTS", "UNION/**/SELECT/* x */1", "UNION SELECT 1"},
	{"REPLACE_COMMENTS", "a/*unterminated", "a "},
	{"REPLACE_COMMENTS", "a*/b", "a*/b"},
	{"REMOVE_COMMENTS_CHAR", "a/*b*/c--d#e", "abcde"},
	{"ESCAPE_SEQ_DECODE", `a\tb\x41\101\\\?\q`, "a\tbAA\\?\\q"},
	{"SQL_HEX_DECODE", "SELECT 0x414243,0X61", "SELECT ABC,a"},
	{"SQL_HEX_DECODE", "0x4", "0x4"},
	{"CSS_DECODE", `ja\vascript`, "javascript"},
	{"CSS_DECODE", `\6a \61vascript`, "javascript"},
	{"CSS_DECODE", `\ff21x`, "Ax"},
	{"CSS_DECODE", "a\\\nb\\", "ab"},
	{"JS_DECODE", `\u0041\uff21\x42\103\n\d\'`, "AABC\nd'"},
	{"JS_DECODE_EXT", `\u263a\u{1F600}\ud83d\ude00\xe9`, "\u263a\U0001F600\U0001F600é"},
	{"NORMALIZE_PATH", "/a//b/./c/../d", "/a/b/d"},
	{"NORMALIZE_PATH", "/a/b/..", "/a/"},
	{"NORMALIZE_PATH", "../a/./b", "../a/b"},
	{"NORMALIZE_PATH", "/../a", "/a"},
	{"NORMALIZE_PATH", "/a/b/", "/a/b/"},
	{"NORMALIZE_PATH_WIN", `C:\a\\b\.\..\c`, "C:/a/c"},
	{"REMOVE_NULLS", "a\x00b\x00", "ab"},
	{"REPLACE_NULLS", "a\x00b\x00", "a b "},
	{"UTF8_TO_UNICODE", "aé☺\U0001F600\xff", "a%u00e9%u263a%u1f600\xff"},
	{"REMOVE_WHITESPACE", " a \tb\n\u00a0c ", "abc"},
	{"TRIM", " \t a b \n", "a b"},
	{"TRIM_LEFT", " \t a b \n", "a b \n"},
	{"TRIM_RIGHT", " \t a b \n", " \t a b"},
}

func md5Sum(s string) []byte    { b := md5.Sum([]byte(s)); return b[:] }
func sha256Sum(s string) []byte { b := sha256.Sum256([]byte(s)); return b[:] }

func TestTransformTableIsComplete(t *testing.T) {
	if len(transformTable) != 31 {
		t.Fatalf("transformTable has %d entries, AWS has 31", len(transformTable))
	}
	tested := map[string]bool{}
	for _, c := range transformCases {
		tested[c.typ] = true
	}
	for _, tt := range transformTable {
		if !tested[tt.name] {
			t.Errorf("no test case for %s", tt.name)
		}
	}
}

func TestTransforms(t *testing.T) {
	for _, c := range transformCases {
		fn := transformByName[c.typ]
		if fn == nil {
			t.Fatalf("unknown transformation %s", c.typ)
		}
		in := []byte(c.in)
		got, changed := fn(nil, in)
		if string(got) != c.want {
			t.Errorf("%s(%q) = %q, want %q", c.typ, c.in, got, c.want)
		}
		if string(in) != c.in {
			t.Errorf("%s modified its input", c.typ)
		}
		if !changed && string(got) != c.in {
			t.Errorf("%s(%q) reported no change but returned %q", c.typ, c.in, got)
		}
	}
}

func TestChainOrderAndNoAllocWhenUnchanged(t *testing.T) {
	c := chain{transformByName["URL_DECODE"], transformByName["LOWERCASE"], transformByName["COMPRESS_WHITE_SPACE"]}
	var s scratch
	if got := c.apply(&s, []byte("SELECT%20%20X")); string(got) != "select x" {
		t.Fatalf("chain = %q", got)
	}
	in, upper := []byte("already_clean/path"), []byte("ALREADY_CLEAN/PATH")
	allocs := testing.AllocsPerRun(100, func() {
		for _, tt := range transformTable {
			switch tt.name {
			case "MD5", "SHA256", "BASE64_DECODE", "BASE64_DECODE_EXT", "HEX_DECODE":
				continue // these always produce new content
			}
			src := in
			if tt.name == "UPPERCASE" {
				src = upper
			}
			if out, changed := tt.fn(nil, src); changed {
				t.Fatalf("%s changed %q to %q", tt.name, in, out)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("unchanged input: %v allocs", allocs)
	}
}
