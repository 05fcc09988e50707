package signals

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/poolguard/poolguard/internal/rules/email"
)

// ParseDomains parses a list of e-mail domains, one per line ("#" starts
// a comment; blank lines are skipped). Each domain is checked and
// normalised as package email normalises addresses (lower case, IDNA). It
// fails, quoting the first bad lines, on an entry that is not a domain,
// and on a list with no entry: an empty or garbled download must never
// replace a good list.
func ParseDomains(data []byte) (*email.Domains, error) {
	set := map[string]struct{}{}
	var bad []string
	nbad, line := 0, 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line++
		entry, _, _ := strings.Cut(sc.Text(), "#")
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		_, d, ok := email.Normalize("x@" + entry)
		if !ok || !strings.Contains(d, ".") {
			nbad++
			if len(bad) < maxBadLines {
				bad = append(bad, fmt.Sprintf("line %d %q", line, truncate(entry, 60)))
			}
			continue
		}
		set[d] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if nbad > 0 {
		return nil, fmt.Errorf("%d entries are not domains: %s", nbad, strings.Join(bad, ", "))
	}
	if len(set) == 0 {
		return nil, fmt.Errorf("no domain in the list")
	}
	return email.NewDomains(set), nil
}
