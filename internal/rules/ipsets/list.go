package ipsets

import (
	"net/netip"
	"slices"
	"strings"
	"time"
)

// SetInfo describes one set for listing.
type SetInfo struct {
	Name   string `json:"name"`
	Origin Origin `json:"origin"`
	// Size is the number of prefixes the set matches now.
	Size int `json:"size"`
	// Entries are the prefixes the set matches, in address order.
	Entries []EntryInfo `json:"entries"`
	// Removed are config addresses hidden at run time.
	Removed []EntryInfo `json:"removed,omitempty"`
}

// EntryInfo is one prefix of a set.
type EntryInfo struct {
	Address string `json:"address"`
	// Source is "config" or "runtime".
	Source string `json:"source"`
	// Expires is when a runtime entry lapses; nil for never.
	Expires *time.Time `json:"expires,omitempty"`
}

// List returns every set at now, by name.
func (r *Registry) List(now time.Time) []SetInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]SetInfo, 0, len(r.sets))
	for name, e := range r.sets {
		ov := r.state[name]
		info := SetInfo{Name: name, Origin: e.origin, Entries: []EntryInfo{}}
		for _, p := range contents(e, ov, now) {
			ei := EntryInfo{Address: p.String(), Source: string(Config)}
			if ov != nil {
				if exp, ok := ov.Add[p]; ok {
					ei.Source = string(Runtime)
					ei.Expires = timePtr(exp)
				}
			}
			info.Entries = append(info.Entries, ei)
		}
		info.Size = len(info.Entries)
		if ov != nil {
			for p, exp := range ov.Remove {
				if !expired(exp, now) && slices.Contains(e.static, p) {
					info.Removed = append(info.Removed, EntryInfo{Address: p.String(), Source: string(Runtime), Expires: timePtr(exp)})
				}
			}
			slices.SortFunc(info.Removed, func(a, b EntryInfo) int {
				return comparePrefix(netip.MustParsePrefix(a.Address), netip.MustParsePrefix(b.Address))
			})
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b SetInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
