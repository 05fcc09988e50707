package waf

import "unicode/utf8"

// tURLDecode decodes %HH escapes and '+' (as a space). Invalid escapes are
// left as they are.
func tURLDecode(dst, src []byte) ([]byte, bool) {
	return urlDecode(dst, src, false)
}

// tURLDecodeUni is tURLDecode plus Microsoft's %uHHHH escapes. As AWS
// documents it: a code in the full-width ASCII range FF01-FF5E is mapped to
// its ASCII character; otherwise only the lower byte is used and the higher
// byte is zeroed.
func tURLDecodeUni(dst, src []byte) ([]byte, bool) {
	return urlDecode(dst, src, true)
}

func urlDecode(dst, src []byte, uni bool) ([]byte, bool) {
	i := indexAny2(src, '%', '+')
	if i < 0 {
		return src, false
	}
	dst = append(dst[:0], src[:i]...)
	for i < len(src) {
		c := src[i]
		switch {
		case c == '+':
			dst = append(dst, ' ')
			i++
		case c == '%' && uni && i+6 <= len(src) && (src[i+1] == 'u' || src[i+1] == 'U') && allHex(src[i+2:i+6]):
			dst = append(dst, wideByte(src[i+2:i+6]))
			i += 6
		case c == '%':
			if b, ok := hexByte(src[i+1:]); ok {
				dst = append(dst, b)
				i += 3
			} else {
				dst = append(dst, c)
				i++
			}
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst, true
}

func allHex(s []byte) bool {
	for _, c := range s {
		if !isHex(c) {
			return false
		}
	}
	return true
}

// wideByte maps four hex digits HHHH to one byte: full-width ASCII
// (FF01-FF5E) to ASCII, anything else to its lower byte.
func wideByte(h []byte) byte {
	hi, _ := hexByte(h[0:2])
	lo, _ := hexByte(h[2:4])
	if hi == 0xFF && lo >= 0x01 && lo <= 0x5E {
		return lo + 0x20
	}
	return lo
}

var b64 = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		t[c] = int8(i)
	}
	return t
}()

// tBase64Decode decodes standard Base64, stopping at the first character
// outside the alphabet (padding included).
func tBase64Decode(dst, src []byte) ([]byte, bool) {
	return base64Decode(dst, src, false)
}

// tBase64DecodeExt decodes Base64 forgivingly: characters outside the
// alphabet are ignored.
func tBase64DecodeExt(dst, src []byte) ([]byte, bool) {
	return base64Decode(dst, src, true)
}

func base64Decode(dst, src []byte, skip bool) ([]byte, bool) {
	if len(src) == 0 {
		return src, false
	}
	dst = dst[:0]
	var acc uint32
	bits := 0
	for _, c := range src {
		v := b64[c]
		if v < 0 {
			if skip {
				continue
			}
			break
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			dst = append(dst, byte(acc>>bits))
		}
	}
	return dst, true
}

// tHexDecode decodes pairs of hex digits into bytes. Characters that are
// not part of a pair of hex digits are kept as they are.
func tHexDecode(dst, src []byte) ([]byte, bool) {
	if len(src) == 0 {
		return src, false
	}
	dst = dst[:0]
	for i := 0; i < len(src); {
		if b, ok := hexByte(src[i:]); ok {
			dst = append(dst, b)
			i += 2
			continue
		}
		dst = append(dst, src[i])
		i++
	}
	return dst, true
}

// tSQLHexDecode decodes SQL hex literals: 0x414243 becomes ABC. A trailing
// odd digit is kept.
func tSQLHexDecode(dst, src []byte) ([]byte, bool) {
	i := sqlHexStart(src, 0)
	if i < 0 {
		return src, false
	}
	dst = append(dst[:0], src[:i]...)
	for i < len(src) {
		if j := sqlHexStart(src, i); j == i {
			i += 2
			for {
				b, ok := hexByte(src[i:])
				if !ok {
					break
				}
				dst = append(dst, b)
				i += 2
			}
			continue
		}
		dst = append(dst, src[i])
		i++
	}
	return dst, true
}

// sqlHexStart returns the index of the first "0x" followed by two hex
// digits at or after from, or -1.
func sqlHexStart(s []byte, from int) int {
	for i := from; i+3 < len(s); i++ {
		if s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && isHex(s[i+2]) && isHex(s[i+3]) {
			return i
		}
	}
	return -1
}

// tEscapeSeqDecode decodes ANSI C escape sequences: \a \b \f \n \r \t \v
// \\ \? \' \" \xHH and octal \OOO. Invalid sequences are left as they are.
func tEscapeSeqDecode(dst, src []byte) ([]byte, bool) {
	i := indexByte(src, '\\')
	if i < 0 {
		return src, false
	}
	dst = append(dst[:0], src[:i]...)
	for i < len(src) {
		c := src[i]
		if c != '\\' || i+1 >= len(src) {
			dst = append(dst, c)
			i++
			continue
		}
		n := src[i+1]
		if b, ok := cEscape(n); ok {
			dst = append(dst, b)
			i += 2
			continue
		}
		switch {
		case (n == 'x' || n == 'X') && i+3 < len(src) && isHex(src[i+2]) && isHex(src[i+3]):
			b, _ := hexByte(src[i+2:])
			dst = append(dst, b)
			i += 4
		case n >= '0' && n <= '7':
			v, k := octal(src[i+1:])
			dst = append(dst, v)
			i += 1 + k
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst, true
}

// cEscape maps the character after a backslash in a C escape.
func cEscape(c byte) (byte, bool) {
	switch c {
	case 'a':
		return '\a', true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	case 'v':
		return '\v', true
	case '\\', '?', '\'', '"':
		return c, true
	}
	return 0, false
}

// octal decodes up to three octal digits (value at most 0377) at s[0:].
func octal(s []byte) (byte, int) {
	v, k := 0, 0
	for k < 3 && k < len(s) && s[k] >= '0' && s[k] <= '7' {
		nv := v*8 + int(s[k]-'0')
		if nv > 0377 {
			break
		}
		v = nv
		k++
	}
	return byte(v), k
}

// tJSDecode decodes JavaScript escapes: \uHHHH (full-width ASCII FF01-FF5E
// to ASCII, otherwise the lower byte), \xHH, octal \OOO, \a \b \f \n \r \t
// \v, and \C for any other C (the backslash is dropped).
func tJSDecode(dst, src []byte) ([]byte, bool) {
	return jsDecode(dst, src, false)
}

// tJSDecodeExt decodes JavaScript escapes with full Unicode: \uHHHH
// (surrogate pairs combined) and \u{H...} become the UTF-8 encoding of the
// code point, \xHH and octal escapes the code point U+00HH; other escapes
// as tJSDecode.
func tJSDecodeExt(dst, src []byte) ([]byte, bool) {
	return jsDecode(dst, src, true)
}

func jsDecode(dst, src []byte, ext bool) ([]byte, bool) {
	i := indexByte(src, '\\')
	if i < 0 {
		return src, false
	}
	dst = append(dst[:0], src[:i]...)
	for i < len(src) {
		c := src[i]
		if c != '\\' || i+1 >= len(src) {
			dst = append(dst, c)
			i++
			continue
		}
		n := src[i+1]
		switch {
		case n == 'u' && ext && i+2 < len(src) && src[i+2] == '{':
			if r, k, ok := braceCodePoint(src[i+3:]); ok {
				dst = utf8.AppendRune(dst, r)
				i += 3 + k
			} else {
				dst = append(dst, n)
				i += 2
			}
		case n == 'u' && i+5 < len(src) && allHex(src[i+2:i+6]):
			if ext {
				r := hex16(src[i+2 : i+6])
				k := 6
				if r >= 0xD800 && r < 0xDC00 && i+11 < len(src) && src[i+6] == '\\' && src[i+7] == 'u' && allHex(src[i+8:i+12]) {
					if lo := hex16(src[i+8 : i+12]); lo >= 0xDC00 && lo < 0xE000 {
						r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
						k = 12
					}
				}
				dst = utf8.AppendRune(dst, r)
				i += k
			} else {
				dst = append(dst, wideByte(src[i+2:i+6]))
				i += 6
			}
		case n == 'x' && i+3 < len(src) && isHex(src[i+2]) && isHex(src[i+3]):
			b, _ := hexByte(src[i+2:])
			dst = appendByteOrRune(dst, b, ext)
			i += 4
		case n >= '0' && n <= '7':
			v, k := octal(src[i+1:])
			dst = appendByteOrRune(dst, v, ext)
			i += 1 + k
		default:
			if b, ok := cEscape(n); ok && n != '?' {
				dst = append(dst, b)
			} else {
				dst = append(dst, n)
			}
			i += 2
		}
	}
	return dst, true
}

func appendByteOrRune(dst []byte, b byte, asRune bool) []byte {
	if asRune {
		return utf8.AppendRune(dst, rune(b))
	}
	return append(dst, b)
}

func hex16(h []byte) rune {
	var r rune
	for _, c := range h {
		v, _ := unhex(c)
		r = r<<4 | rune(v)
	}
	return r
}

// braceCodePoint decodes "H...}" (1 to 6 hex digits) after "\u{".
func braceCodePoint(s []byte) (rune, int, bool) {
	var r rune
	k := 0
	for k < len(s) && k < 7 && isHex(s[k]) {
		v, _ := unhex(s[k])
		r = r<<4 | rune(v)
		k++
	}
	if k == 0 || k > 6 || k >= len(s) || s[k] != '}' || r > utf8.MaxRune {
		return 0, 0, false
	}
	return r, k + 1, true
}

// tCSSDecode decodes CSS 2.x escapes: a backslash and 1 to 6 hex digits
// (using up to the last two bytes, with full-width ASCII mapped to ASCII,
// and eating one white space character after the escape), a backslash and
// a newline (both removed), and a backslash and any other character (the
// character). A trailing lone backslash is removed.
func tCSSDecode(dst, src []byte) ([]byte, bool) {
	i := indexByte(src, '\\')
	if i < 0 {
		return src, false
	}
	dst = append(dst[:0], src[:i]...)
	for i < len(src) {
		c := src[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		if i+1 >= len(src) {
			i++
			continue
		}
		j := i + 1
		for j < len(src) && j-i-1 < 6 && isHex(src[j]) {
			j++
		}
		digits := src[i+1 : j]
		switch {
		case len(digits) > 0:
			dst = append(dst, cssHexByte(digits))
			i = j
			if i < len(src) && isTrimSpace(src[i]) {
				i++
			}
		case src[i+1] == '\n':
			i += 2
		default:
			dst = append(dst, src[i+1])
			i += 2
		}
	}
	return dst, true
}

func cssHexByte(d []byte) byte {
	if len(d) == 1 {
		v, _ := unhex(d[0])
		return v
	}
	lo, _ := hexByte(d[len(d)-2:])
	if len(d) >= 4 {
		if hi, _ := hexByte(d[len(d)-4:]); hi == 0xFF && lo > 0 && lo < 0x5F {
			return lo + 0x20
		}
	}
	return lo
}
