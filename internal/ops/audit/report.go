package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Report is the result of auditing one or more pools.
type Report struct {
	// Pools are the audited pool ids, in order.
	Pools []string `json:"user_pools"`
	// Clients is how many app clients were inspected.
	Clients int `json:"clients"`
	// Findings are every finding, sorted (see Sort).
	Findings []Finding `json:"findings"`
	// Source is the config file audited against, if any (SARIF location).
	Source string `json:"config,omitempty"`
}

// WriteText writes r for people: a summary line, then each finding with
// its reason and fixes.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	counts := map[Severity]int{}
	for _, f := range r.Findings {
		counts[f.Severity]++
	}
	fmt.Fprintf(&b, "poolguard audit: %s, %d app clients: ", strings.Join(r.Pools, ", "), r.Clients)
	if len(r.Findings) == 0 {
		b.WriteString("no findings\n")
	} else {
		fmt.Fprintf(&b, "%d findings (%d high, %d medium, %d low, %d info)\n", len(r.Findings), counts[High], counts[Medium], counts[Low], counts[Info])
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "\n%-6s %s  %s\n", strings.ToUpper(f.Severity.String()), f.ID, f.Resource())
		fmt.Fprintf(&b, "       %s\n", f.Title)
		fmt.Fprintf(&b, "       why:     %s\n", f.Reason)
		fmt.Fprintf(&b, "       console: %s\n", f.Console)
		fmt.Fprintf(&b, "       api:     %s\n", f.API)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
