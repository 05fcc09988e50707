package waf

import (
	"bytes"
	"unicode/utf8"
)

// tHTMLEntityDecode replaces &quot; &amp; &lt; &gt; &nbsp; (decimal 160)
// and numeric references &#xhhhh; and &#nnnn; with the characters they
// stand for. Names are case-insensitive and the final ';' may be missing,
// as in ModSecurity. Codes up to 255 become one byte, larger ones their
// UTF-8 encoding.
func tHTMLEntityDecode(dst, src []byte) ([]byte, bool) {
	i := indexByte(src, '&')
	if i < 0 {
		return src, false
	}
	dst = append(dst[:0], src[:i]...)
	for i < len(src) {
		if src[i] != '&' {
			dst = append(dst, src[i])
			i++
			continue
		}
		b, r, n := entityAt(src[i:])
		switch {
		case n == 0:
			dst = append(dst, '&')
			i++
			continue
		case r >= 0:
			dst = utf8.AppendRune(dst, r)
		default:
			dst = append(dst, b)
		}
		i += n
	}
	return dst, true
}

var namedEntities = []struct {
	name string
	b    byte
}{{"quot", '"'}, {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"nbsp", 0xA0}}

// entityAt decodes the entity at s (s[0] == '&'). It returns either a byte
// (r < 0) or a rune (r >= 0), and the entity's length (0 if none).
func entityAt(s []byte) (byte, rune, int) {
	if len(s) > 2 && s[1] == '#' {
		j, base := 2, 10
		if s[2] == 'x' || s[2] == 'X' {
			j, base = 3, 16
		}
		start := j
		v := 0
		for j < len(s) && j-start < 8 {
			d, ok := unhex(s[j])
			if !ok || int(d) >= base {
				break
			}
			v = v*base + int(d)
			j++
		}
		if j == start {
			return 0, 0, 0
		}
		if j < len(s) && s[j] == ';' {
			j++
		}
		if v < 256 {
			return byte(v), -1, j
		}
		if v > utf8.MaxRune {
			v = utf8.RuneError
		}
		return 0, rune(v), j
	}
	for _, e := range namedEntities {
		n := 1 + len(e.name)
		if len(s) >= n && bytes.EqualFold(s[1:n], []byte(e.name)) {
			if len(s) > n && s[n] == ';' {
				n++
			}
			return e.b, -1, n
		}
	}
	return 0, 0, 0
}

// cmdLineMode selects the characters each CMD_LINE variant deletes and
// whether it lowercases.
type cmdLineMode struct {
	del   [256]bool
	lower bool
}

func newCmdLineMode(del string, lower bool) *cmdLineMode {
	m := &cmdLineMode{lower: lower}
	for i := range len(del) {
		m.del[del[i]] = true
	}
	return m
}

var (
	cmdLineAWS  = newCmdLineMode(`\"'^`, true)
	cmdLineWin  = newCmdLineMode(`"'^`, true)
	cmdLineUnix = newCmdLineMode(`\"'`, false)
)

// tCmdLine performs AWS's CMD_LINE steps: delete \ " ' ^; delete spaces
// before / and (; replace , and ; with a space; replace runs of white space
// with one space; convert A-Z to a-z.
func tCmdLine(dst, src []byte) ([]byte, bool) { return cmdLine(dst, src, cmdLineAWS) }

// tCmdLineWin is CMD_LINE for Windows command lines: as CMD_LINE, but the
// backslash (a path separator on Windows) is kept; " ' and ^ (cmd.exe's
// escape) are deleted and letters are lowercased (cmd.exe is
// case-insensitive).
func tCmdLineWin(dst, src []byte) ([]byte, bool) { return cmdLine(dst, src, cmdLineWin) }

// tCmdLineUnix is CMD_LINE for Unix shells: as CMD_LINE, but ^ (not special
// to POSIX shells) is kept and letter case is kept (Unix commands are
// case-sensitive); \ " and ' are deleted.
func tCmdLineUnix(dst, src []byte) ([]byte, bool) { return cmdLine(dst, src, cmdLineUnix) }

func cmdLine(dst, src []byte, m *cmdLineMode) ([]byte, bool) {
	if cmdLineUnchanged(src, m) {
		return src, false
	}
	dst = dst[:0]
	space := false
	for _, c := range src {
		switch {
		case m.del[c]:
		case c == ' ' || c == ',' || c == ';' || (c >= '\t' && c <= '\r'):
			if !space {
				dst = append(dst, ' ')
				space = true
			}
		case c == '/' || c == '(':
			if space {
				dst = dst[:len(dst)-1]
			}
			space = false
			dst = append(dst, c)
		default:
			if m.lower && c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			space = false
		}
	}
	return dst, true
}

func cmdLineUnchanged(src []byte, m *cmdLineMode) bool {
	space := false
	for _, c := range src {
		switch {
		case m.del[c] || c == ',' || c == ';' || (c >= '\t' && c <= '\r') || (m.lower && c >= 'A' && c <= 'Z'):
			return false
		case c == ' ':
			if space {
				return false
			}
			space = true
		case (c == '/' || c == '(') && space:
			return false
		default:
			space = false
		}
	}
	return true
}

// tReplaceComments replaces each C-style comment /* ... */ with one space;
// an unterminated comment at the end is replaced with a space too. A lone
// */ is left alone.
func tReplaceComments(dst, src []byte) ([]byte, bool) {
	i := bytes.Index(src, []byte("/*"))
	if i < 0 {
		return src, false
	}
	dst = append(dst[:0], src[:i]...)
	for i < len(src) {
		if i+1 < len(src) && src[i] == '/' && src[i+1] == '*' {
			end := bytes.Index(src[i+2:], []byte("*/"))
			dst = append(dst, ' ')
			if end < 0 {
				break
			}
			i += 2 + end + 2
			continue
		}
		dst = append(dst, src[i])
		i++
	}
	return dst, true
}

// tRemoveCommentsChar deletes the comment markers /* */ -- and #.
func tRemoveCommentsChar(dst, src []byte) ([]byte, bool) {
	i := 0
	for i < len(src) && commentMarker(src, i) == 0 {
		i++
	}
	if i == len(src) {
		return src, false
	}
	dst = append(dst[:0], src[:i]...)
	for i < len(src) {
		if n := commentMarker(src, i); n > 0 {
			i += n
			continue
		}
		dst = append(dst, src[i])
		i++
	}
	return dst, true
}

func commentMarker(s []byte, i int) int {
	switch s[i] {
	case '#':
		return 1
	case '/':
		if i+1 < len(s) && s[i+1] == '*' {
			return 2
		}
	case '*':
		if i+1 < len(s) && s[i+1] == '/' {
			return 2
		}
	case '-':
		if i+1 < len(s) && s[i+1] == '-' {
			return 2
		}
	}
	return 0
}

// tNormalizePath removes repeated slashes, self references (/./) and back
// references (/x/../) that are not at the beginning of the input.
func tNormalizePath(dst, src []byte) ([]byte, bool) {
	if !pathNeedsNormalizing(src) {
		return src, false
	}
	return normalizePath(dst[:0], src), true
}

// tNormalizePathWin converts backslashes to slashes, then normalizes the
// path as NORMALIZE_PATH does.
func tNormalizePathWin(dst, src []byte) ([]byte, bool) {
	if indexByte(src, '\\') < 0 {
		return tNormalizePath(dst, src)
	}
	dst = append(dst[:0], src...)
	for i, c := range dst {
		if c == '\\' {
			dst[i] = '/'
		}
	}
	if !pathNeedsNormalizing(dst) {
		return dst, true
	}
	// normalizePath reads its input while writing the output behind it
	// (the output is never longer), so it can work in place.
	return normalizePath(dst[:0], dst), true
}

func pathNeedsNormalizing(s []byte) bool {
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '/' {
			continue
		}
		seg := s[start:i]
		switch {
		case len(seg) == 0 && i > 0 && i < len(s):
			return true // "//"
		case len(seg) == 1 && seg[0] == '.':
			return true
		case len(seg) == 2 && seg[0] == '.' && seg[1] == '.' && start > 0:
			return true
		}
		start = i + 1
	}
	return false
}

// normalizePath writes the normalized form of s to dst. dst may share s's
// memory if it starts at the same place: the output never overtakes the
// input.
func normalizePath(dst, s []byte) []byte {
	abs := len(s) > 0 && s[0] == '/'
	if abs {
		dst = append(dst, '/')
	}
	base := len(dst) // the output before base is never popped
	i := 0
	if abs {
		i = 1
	}
	trailing := false
	for i < len(s) {
		j := i
		for j < len(s) && s[j] != '/' {
			j++
		}
		segStart, segEnd := i, j
		i = j + 1
		trailing = j < len(s)
		n := segEnd - segStart
		switch {
		case n == 0:
			continue
		case n == 1 && s[segStart] == '.':
			trailing = true
			continue
		case n == 2 && s[segStart] == '.' && s[segStart+1] == '.':
			if len(dst) > base && !endsWithDotDot(dst[base:]) {
				k := len(dst) - 1 // dst ends with "seg/"
				k--
				for k >= base && dst[k] != '/' {
					k--
				}
				dst = dst[:k+1]
				trailing = true
				continue
			}
			if abs {
				trailing = true
				continue
			}
			// A leading back reference of a relative path is kept.
			dst = append(dst, '.', '.', '/')
			base = len(dst)
			continue
		}
		dst = append(dst, s[segStart:segEnd]...)
		dst = append(dst, '/')
	}
	if len(dst) > 0 && dst[len(dst)-1] == '/' && !trailing && len(dst) > 1 {
		dst = dst[:len(dst)-1]
	}
	return dst
}

func endsWithDotDot(b []byte) bool {
	return len(b) >= 3 && string(b[len(b)-3:]) == "../" && (len(b) == 3 || b[len(b)-4] == '/')
}

// tUTF8ToUnicode converts each non-ASCII UTF-8 character to %uHHHH
// notation (lowercase hex, at least four digits). Bytes that are not valid
// UTF-8 are kept.
func tUTF8ToUnicode(dst, src []byte) ([]byte, bool) {
	i := 0
	for i < len(src) {
		if src[i] >= utf8.RuneSelf {
			if r, n := utf8.DecodeRune(src[i:]); !(r == utf8.RuneError && n == 1) {
				break
			}
		}
		i++
	}
	if i == len(src) {
		return src, false
	}
	dst = append(dst[:0], src[:i]...)
	const digits = "0123456789abcdef"
	for i < len(src) {
		c := src[i]
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, c)
			i++
			continue
		}
		dst = append(dst, '%', 'u')
		if r > 0xFFFF {
			if r > 0xFFFFF {
				dst = append(dst, digits[r>>20&0xF])
			}
			dst = append(dst, digits[r>>16&0xF])
		}
		dst = append(dst, digits[r>>12&0xF], digits[r>>8&0xF], digits[r>>4&0xF], digits[r&0xF])
		i += n
	}
	return dst, true
}
