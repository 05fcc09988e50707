package ipsets

import (
	"net/netip"
	"time"
)

// Overlay is the runtime part of one set: addresses added and addresses
// removed (which may hide addresses from config), each with an expiry (the
// zero Time for none).
type Overlay struct {
	Add    map[netip.Prefix]time.Time
	Remove map[netip.Prefix]time.Time
}

// State is every set's overlay, by set name. It is what backends persist.
type State map[string]*Overlay

// Op is the kind of a Change.
type Op uint8

// Change operations.
const (
	// OpAdd adds the prefixes (and cancels their removal).
	OpAdd Op = iota + 1
	// OpRemove removes the prefixes, hiding them if config lists them.
	OpRemove
	// OpForget drops the prefixes from the overlay (added or removed).
	OpForget
)

// Change is one runtime change to one set.
type Change struct {
	Set      string
	Op       Op
	Prefixes []netip.Prefix
	// Expires is when the change lapses; zero for never.
	Expires time.Time
}

// Apply applies c to s.
func (s State) Apply(c Change) {
	ov := s[c.Set]
	if ov == nil {
		ov = &Overlay{Add: map[netip.Prefix]time.Time{}, Remove: map[netip.Prefix]time.Time{}}
		s[c.Set] = ov
	}
	for _, p := range c.Prefixes {
		switch c.Op {
		case OpAdd:
			ov.Add[p] = c.Expires
			delete(ov.Remove, p)
		case OpRemove:
			delete(ov.Add, p)
			ov.Remove[p] = c.Expires
		case OpForget:
			delete(ov.Add, p)
			delete(ov.Remove, p)
		}
	}
}

// Prune drops the entries expired at now and empty overlays.
func (s State) Prune(now time.Time) {
	for name, ov := range s {
		for _, m := range []map[netip.Prefix]time.Time{ov.Add, ov.Remove} {
			for p, exp := range m {
				if expired(exp, now) {
					delete(m, p)
				}
			}
		}
		if len(ov.Add) == 0 && len(ov.Remove) == 0 {
			delete(s, name)
		}
	}
}

// Clone returns a deep copy of s.
func (s State) Clone() State {
	out := make(State, len(s))
	for name, ov := range s {
		c := &Overlay{Add: make(map[netip.Prefix]time.Time, len(ov.Add)), Remove: make(map[netip.Prefix]time.Time, len(ov.Remove))}
		for p, e := range ov.Add {
			c.Add[p] = e
		}
		for p, e := range ov.Remove {
			c.Remove[p] = e
		}
		out[name] = c
	}
	return out
}

// expired reports whether an entry expiring at exp has lapsed at now.
func expired(exp, now time.Time) bool {
	return !exp.IsZero() && !now.Before(exp)
}
