package waf

import (
	"crypto/md5"
	"crypto/sha256"
	"unicode/utf8"
)

// A transformFunc applies one AWS WAF text transformation to src. When the
// transformation leaves src unchanged it returns (src, false) without
// touching dst; otherwise it writes the result into dst[:0] (growing it if
// needed) and returns it with true. src is never modified.
type transformFunc func(dst, src []byte) ([]byte, bool)

// transformTable lists every AWS WAFv2 TextTransformationType (the 31 values
// of the API's enum) with its implementation. Semantics follow the AWS WAF
// Developer Guide ("Text transformation options"); where the guide is terse
// the ModSecurity transformation of the same name, on which AWS modelled
// them, decides the details. See each function's comment.
var transformTable = []struct {
	name string
	fn   transformFunc
}{
	{"NONE", tNone},
	{"COMPRESS_WHITE_SPACE", tCompressWhiteSpace},
	{"HTML_ENTITY_DECODE", tHTMLEntityDecode},
	{"LOWERCASE", tLowercase},
	{"CMD_LINE", tCmdLine},
	{"URL_DECODE", tURLDecode},
	{"BASE64_DECODE", tBase64Decode},
	{"HEX_DECODE", tHexDecode},
	{"MD5", tMD5},
	{"REPLACE_COMMENTS", tReplaceComments},
	{"ESCAPE_SEQ_DECODE", tEscapeSeqDecode},
	{"SQL_HEX_DECODE", tSQLHexDecode},
	{"CSS_DECODE", tCSSDecode},
	{"JS_DECODE", tJSDecode},
	{"NORMALIZE_PATH", tNormalizePath},
	{"NORMALIZE_PATH_WIN", tNormalizePathWin},
	{"REMOVE_NULLS", tRemoveNulls},
	{"REPLACE_NULLS", tReplaceNulls},
	{"BASE64_DECODE_EXT", tBase64DecodeExt},
	{"URL_DECODE_UNI", tURLDecodeUni},
	{"UTF8_TO_UNICODE", tUTF8ToUnicode},
	{"REMOVE_WHITESPACE", tRemoveWhitespace},
	{"TRIM", tTrim},
	{"TRIM_LEFT", tTrimLeft},
	{"TRIM_RIGHT", tTrimRight},
	{"REMOVE_COMMENTS_CHAR", tRemoveCommentsChar},
	{"UPPERCASE", tUppercase},
	{"CMD_LINE_WIN", tCmdLineWin},
	{"CMD_LINE_UNIX", tCmdLineUnix},
	{"JS_DECODE_EXT", tJSDecodeExt},
	{"SHA256", tSHA256},
}

var transformByName = func() map[string]transformFunc {
	m := make(map[string]transformFunc, len(transformTable))
	for _, t := range transformTable {
		m[t.name] = t.fn
	}
	return m
}()

// chain is a compiled, priority-ordered list of transformations.
type chain []transformFunc

// scratch holds the two buffers a chain alternates between.
type scratch struct {
	a, b []byte
}

// apply runs the chain over in. The result aliases in (when nothing
// changed) or one of s's buffers, and is valid until s is used again.
func (c chain) apply(s *scratch, in []byte) []byte {
	cur, useA := in, true
	for _, t := range c {
		var buf *[]byte
		if useA {
			buf = &s.a
		} else {
			buf = &s.b
		}
		out, changed := t((*buf)[:0], cur)
		if changed {
			*buf = out
			cur = out
			useA = !useA
		}
	}
	return cur
}

// tNone leaves the input as it is.
func tNone(_, src []byte) ([]byte, bool) { return src, false }

// tLowercase converts A-Z to a-z.
func tLowercase(dst, src []byte) ([]byte, bool) {
	return mapASCII(dst, src, 'A', 'Z', 'a'-'A')
}

// tUppercase converts a-z to A-Z.
func tUppercase(dst, src []byte) ([]byte, bool) {
	return mapASCII(dst, src, 'a', 'z', 'A'-'a')
}

func mapASCII(dst, src []byte, lo, hi byte, delta int) ([]byte, bool) {
	i := 0
	for i < len(src) && (src[i] < lo || src[i] > hi) {
		i++
	}
	if i == len(src) {
		return src, false
	}
	dst = append(dst[:0], src...)
	for ; i < len(dst); i++ {
		if c := dst[i]; c >= lo && c <= hi {
			dst[i] = byte(int(c) + delta)
		}
	}
	return dst, true
}

// spaceAt reports whether the character at src[i] is white space as AWS
// defines it for COMPRESS_WHITE_SPACE (space, \t, \n, \v, \f, \r and the
// non-breaking space, decimal 160, either as the UTF-8 sequence C2 A0 or as
// a lone byte A0), and returns the character's length in bytes.
func spaceAt(src []byte, i int) (bool, int) {
	c := src[i]
	switch {
	case c == ' ' || (c >= '\t' && c <= '\r'):
		return true, 1
	case c < utf8.RuneSelf:
		return false, 1
	}
	r, n := utf8.DecodeRune(src[i:])
	if r == utf8.RuneError && n == 1 {
		return c == 0xA0, 1
	}
	return r == 0xA0, n
}

// tCompressWhiteSpace replaces each run of white space (see spaceAt) with
// one space.
func tCompressWhiteSpace(dst, src []byte) ([]byte, bool) {
	i := 0
	for i < len(src) {
		sp, n := spaceAt(src, i)
		if sp && (src[i] != ' ' || (i+1 < len(src) && isSpaceStart(src, i+1))) {
			break
		}
		i += n
	}
	if i == len(src) {
		return src, false
	}
	dst = append(dst[:0], src[:i]...)
	inSpace := false
	for i < len(src) {
		sp, n := spaceAt(src, i)
		switch {
		case sp && !inSpace:
			dst = append(dst, ' ')
			inSpace = true
		case !sp:
			dst = append(dst, src[i:i+n]...)
			inSpace = false
		}
		i += n
	}
	return dst, true
}

func isSpaceStart(src []byte, i int) bool {
	sp, _ := spaceAt(src, i)
	return sp
}

// tRemoveWhitespace deletes every white space character (see spaceAt).
func tRemoveWhitespace(dst, src []byte) ([]byte, bool) {
	i := 0
	for i < len(src) {
		sp, n := spaceAt(src, i)
		if sp {
			break
		}
		i += n
	}
	if i == len(src) {
		return src, false
	}
	dst = append(dst[:0], src[:i]...)
	for i < len(src) {
		sp, n := spaceAt(src, i)
		if !sp {
			dst = append(dst, src[i:i+n]...)
		}
		i += n
	}
	return dst, true
}

// isTrimSpace reports whether c is ASCII white space (space, \t, \n, \v,
// \f, \r), the set TRIM, TRIM_LEFT and TRIM_RIGHT remove.
func isTrimSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

// tTrim removes white space from both ends.
func tTrim(dst, src []byte) ([]byte, bool) {
	i, j := trimBounds(src)
	if i == 0 && j == len(src) {
		return src, false
	}
	return append(dst[:0], src[i:j]...), true
}

// tTrimLeft removes leading white space.
func tTrimLeft(dst, src []byte) ([]byte, bool) {
	i, _ := trimBounds(src)
	if i == 0 {
		return src, false
	}
	return append(dst[:0], src[i:]...), true
}

// tTrimRight removes trailing white space.
func tTrimRight(dst, src []byte) ([]byte, bool) {
	j := len(src)
	for j > 0 && isTrimSpace(src[j-1]) {
		j--
	}
	if j == len(src) {
		return src, false
	}
	return append(dst[:0], src[:j]...), true
}

func trimBounds(src []byte) (int, int) {
	i, j := 0, len(src)
	for i < j && isTrimSpace(src[i]) {
		i++
	}
	for j > i && isTrimSpace(src[j-1]) {
		j--
	}
	return i, j
}

// tRemoveNulls deletes NUL bytes.
func tRemoveNulls(dst, src []byte) ([]byte, bool) {
	i := indexByte(src, 0)
	if i < 0 {
		return src, false
	}
	dst = append(dst[:0], src[:i]...)
	for ; i < len(src); i++ {
		if src[i] != 0 {
			dst = append(dst, src[i])
		}
	}
	return dst, true
}

// tReplaceNulls replaces NUL bytes with spaces.
func tReplaceNulls(dst, src []byte) ([]byte, bool) {
	i := indexByte(src, 0)
	if i < 0 {
		return src, false
	}
	dst = append(dst[:0], src...)
	for ; i < len(dst); i++ {
		if dst[i] == 0 {
			dst[i] = ' '
		}
	}
	return dst, true
}

// tMD5 replaces the input with its MD5 digest in raw binary form.
func tMD5(dst, src []byte) ([]byte, bool) {
	sum := md5.Sum(src)
	return append(dst[:0], sum[:]...), true
}

// tSHA256 replaces the input with its SHA-256 digest in raw binary form.
func tSHA256(dst, src []byte) ([]byte, bool) {
	sum := sha256.Sum256(src)
	return append(dst[:0], sum[:]...), true
}

func indexByte(s []byte, c byte) int {
	for i, b := range s {
		if b == c {
			return i
		}
	}
	return -1
}

func indexAny2(s []byte, c1, c2 byte) int {
	for i, b := range s {
		if b == c1 || b == c2 {
			return i
		}
	}
	return -1
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isHex(c byte) bool { _, ok := unhex(c); return ok }

// hexByte decodes the two hex digits at s[0:2].
func hexByte(s []byte) (byte, bool) {
	if len(s) < 2 {
		return 0, false
	}
	h, ok1 := unhex(s[0])
	l, ok2 := unhex(s[1])
	return h<<4 | l, ok1 && ok2
}
