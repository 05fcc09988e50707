package signals

import (
	"bufio"
	"bytes"
	"fmt"
	"github.com/poolguard/poolguard/internal/rules/prefixset"
	"net/netip"
	"strings"
)

// Format is the text format of an IP list.
type Format string

// The list formats.
const (
	// FormatCIDR is one address or CIDR block per line; "#" starts a
	// comment. FireHOL's .netset and .ipset files are in this format.
	FormatCIDR Format = "cidr"
	// FormatNetset is FireHOL's .netset format (same as FormatCIDR).
	FormatNetset Format = "netset"
	// FormatSpamhaus is Spamhaus DROP/EDROP: "CIDR ; SBL id" per line,
	// ";" starting comments (also the JSON-lines drop_v4.json form:
	// {"cidr":"...","sblid":"..."} per line, with a trailing metadata line).
	FormatSpamhaus Format = "spamhaus"
	// FormatTor is the Tor Project's exit lists: either the bulk exit list
	// (one address per line) or the exit-addresses document, whose
	// "ExitAddress ADDR DATE TIME" lines give the addresses.
	FormatTor Format = "tor"
	// FormatDomains is a list of e-mail domains, one per line, as the
	// public disposable-email-domains lists publish them; "#" starts a
	// comment. Such a list labels requests by the domain of the e-mail
	// address they name, not by address.
	FormatDomains Format = "domains"
)

// Formats lists the valid formats.
var Formats = []Format{FormatCIDR, FormatNetset, FormatSpamhaus, FormatTor, FormatDomains}

// UnmarshalText sets f to the format named text, refusing unknown names,
// so that a configuration decodes a list's format once.
func (f *Format) UnmarshalText(text []byte) error {
	if !validFormat(Format(text)) {
		names := make([]string, len(Formats))
		for i, g := range Formats {
			names[i] = string(g)
		}
		return fmt.Errorf("%q is not one of %s", text, strings.Join(names, ", "))
	}
	*f = Format(text)
	return nil
}

// maxBadLines is how many unparsable lines a parse error quotes.
const maxBadLines = 5

// ParseList parses an IP list in format f. A bare address is a single-host
// prefix; prefixes are masked. It fails, quoting the first bad lines, if
// any entry does not parse, and if the list holds no entry at all: an
// empty or garbled download must never replace a good list.
func ParseList(data []byte, f Format) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, bytes.Count(data, []byte{'\n'})+1)
	var bad []string
	nbad := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		entry, ok := listEntry(sc.Text(), f)
		if !ok {
			continue
		}
		p, err := parseEntry(entry)
		if err != nil {
			nbad++
			if len(bad) < maxBadLines {
				bad = append(bad, fmt.Sprintf("line %d %q", line, truncate(entry, 60)))
			}
			continue
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s list: %w", f, err)
	}
	if nbad > 0 {
		return nil, fmt.Errorf("%s list: %d unparsable entries: %s", f, nbad, strings.Join(bad, ", "))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s list: no entries", f)
	}
	return out, nil
}

// listEntry extracts the address text of one line, reporting false for
// blank, comment and metadata lines.
func listEntry(s string, f Format) (string, bool) {
	switch f {
	case FormatSpamhaus:
		s, _, _ = strings.Cut(s, ";")
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, "{") { // drop_v4.json: one object per line
			i := strings.Index(s, `"cidr":"`)
			if i < 0 {
				return "", false // the trailing {"type":"metadata",...} line
			}
			rest := s[i+len(`"cidr":"`):]
			end := strings.IndexByte(rest, '"')
			if end < 0 {
				return rest, true // unterminated: reported as bad
			}
			return rest[:end], true
		}
	case FormatTor:
		s = strings.TrimSpace(s)
		if rest, ok := strings.CutPrefix(s, "ExitAddress "); ok {
			s, _, _ = strings.Cut(rest, " ")
			return s, true
		}
		for _, kw := range []string{"ExitNode ", "Published ", "LastStatus "} {
			if strings.HasPrefix(s, kw) {
				return "", false
			}
		}
		s, _, _ = strings.Cut(s, "#")
	default:
		s, _, _ = strings.Cut(s, "#")
	}
	s = strings.TrimSpace(s)
	return s, s != ""
}

func parseEntry(s string) (netip.Prefix, error) { return prefixset.ParsePrefix(s) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
