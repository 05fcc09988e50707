package cognito

import (
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/tidwall/gjson"
)

// ContentType is the media type of the JSON bodies the proxy sends
// upstream.
const ContentType = "application/x-amz-json-1.1"

// AppendCanonical appends body, a JSON value Parse has validated, re-encoded
// from its parse: no insignificant whitespace, numbers, literals and member
// order as sent, every string (keys included) in printable ASCII with
// '"' and '\' escaped as \" and \\ and every other byte outside
// [0-9A-Za-z] plus the punctuation that no reader of bodies as query
// strings, HTML or URLs treats specially escaped as \uXXXX. A reader that
// takes the body for anything but JSON (an emulator that also reads it as
// a query string, a log viewer) then sees no separator, and a JSON reader
// sees the values the proxy read. Invalid UTF-8 in a string becomes
// U+FFFD, as encoding/json reads it.
func AppendCanonical(dst, body []byte) []byte {
	if len(body) == 0 {
		return dst
	}
	// Read body in place: it does not change while it is encoded, and no
	// result outlives this call (gjson.ParseBytes would copy it).
	return appendCanonicalValue(dst, gjson.Parse(unsafe.String(unsafe.SliceData(body), len(body))))
}

func appendCanonicalValue(dst []byte, r gjson.Result) []byte {
	switch {
	case r.IsObject():
		dst = append(dst, '{')
		n := 0
		r.ForEach(func(k, v gjson.Result) bool {
			if n > 0 {
				dst = append(dst, ',')
			}
			n++
			dst = appendCanonicalString(dst, k.Str)
			dst = append(dst, ':')
			dst = appendCanonicalValue(dst, v)
			return true
		})
		return append(dst, '}')
	case r.IsArray():
		dst = append(dst, '[')
		n := 0
		r.ForEach(func(_, v gjson.Result) bool {
			if n > 0 {
				dst = append(dst, ',')
			}
			n++
			dst = appendCanonicalValue(dst, v)
			return true
		})
		return append(dst, ']')
	case r.Type == gjson.String:
		return appendCanonicalString(dst, r.Str)
	}
	return append(dst, r.Raw...) // a number or a literal, validated
}

// canonicalPlain lists the ASCII bytes a canonical string keeps as they
// are: letters, digits and punctuation with no meaning to a query string,
// URL, HTML or JSON reader.
var canonicalPlain = func() (t [utf8.RuneSelf]bool) {
	for c := byte(' '); c < 0x7f; c++ {
		t[c] = true
	}
	for _, c := range []byte("\"\\&=;+%<>'`#?/") {
		t[c] = false
	}
	return t
}()

const hexDigits = "0123456789abcdef"

func appendCanonicalString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case canonicalPlain[c]:
				dst = append(dst, c)
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			default:
				dst = appendEscape(dst, rune(c))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			dst = appendEscape(appendEscape(dst, r1), r2)
			continue
		}
		dst = appendEscape(dst, r)
	}
	return append(dst, '"')
}

// appendEscape appends \uXXXX for r, which is at most 0xFFFF.
func appendEscape(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
