package server

import (
	"errors"
	"fmt"

	"github.com/poolguard/poolguard/internal/edge/proxy"
)

// ErrReloadShrinks is wrapped by the error of a reload refused because the
// new config would remove all or most of the running clients or web ACL
// rules without saying so. Test with errors.Is.
var ErrReloadShrinks = errors.New("reload would remove most of the protection")

// shape is what a reload must not silently lose: the number of app clients
// and of web ACL rules a state serves.
type shape struct{ clients, rules int }

func shapeOf(st *proxy.State) shape {
	s := shape{clients: len(st.Clients)}
	if st.WAF != nil {
		s.rules = st.WAF.Len()
	}
	return s
}

// confirmation is the reload_confirm value that accepts a reload to s.
func (s shape) confirmation() string { return fmt.Sprintf("clients=%d rules=%d", s.clients, s.rules) }

// shrinks reports whether going from old to new removes every one, or more
// than half, of the clients or of the web ACL rules.
func shrinks(old, new int) bool { return old > 0 && 2*new < old }

// checkShrink refuses a reload from the running state old to new that
// drops all or most clients or web ACL rules — what a config file cut off
// at a line boundary (a partial write) looks like — unless the new config's
// reload_confirm names its counts or force is set.
func checkShrink(file string, old, new *proxy.State, confirm string, force bool) error {
	o, n := shapeOf(old), shapeOf(new)
	if force || (!shrinks(o.clients, n.clients) && !shrinks(o.rules, n.rules)) {
		return nil
	}
	want := n.confirmation()
	if confirm == want {
		return nil
	}
	hint := ""
	if confirm != "" {
		hint = fmt.Sprintf(" (its reload_confirm %q does not match)", confirm)
	}
	return fmt.Errorf("%w: %s would leave %d of %d clients and %d of %d web ACL rules%s; "+
		"a config file read while being written looks like this: replace config files atomically (write a new file, then rename it over the old one). "+
		"If the change is intended, set reload_confirm: %q in the new config, or reload through the admin API with force=true",
		ErrReloadShrinks, file, n.clients, o.clients, n.rules, o.rules, hint, want)
}
