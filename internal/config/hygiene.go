package config

import (
	"fmt"
	"regexp"
	"time"
)

// BreachedPasswords configures the breached-password check (package
// breached): a filter built by `poolguard passwords build` from the Pwned
// Passwords corpus.
type BreachedPasswords struct {
	// Filter is the path of the filter file; relative to the config file's
	// directory. Empty turns the check off.
	Filter string `yaml:"filter"`
	// MinCount is the minimum breach count the filter was built with
	// (--min-count); when set, the filter must have been built with it.
	MinCount uint64 `yaml:"min_count"`
}

func (v *validator) breachedPasswords(b *BreachedPasswords) {
	if b.MinCount > 0 && b.Filter == "" {
		v.add("breached_passwords.filter", "is required with min_count")
	}
}

// EmailDomainList is a list of e-mail domains (one per line, as the public
// disposable-email-domains lists publish them), loaded and refreshed like
// an IP list, the last good copy kept.
type EmailDomainList struct {
	// Name identifies the list in logs and the cache directory.
	Name string `yaml:"name"`
	// Label is the label it adds; default DefaultDisposableLabel.
	Label string `yaml:"label"`
	// Source is a file path or an http(s) URL.
	Source string `yaml:"source"`
	// Refresh is how often the source is fetched again; default 1h.
	Refresh time.Duration `yaml:"refresh"`
}

// DefaultDisposableLabel is the label of an e-mail domain list that names
// none.
const DefaultDisposableLabel = "poolguard:email:disposable"

var proxyLabelPattern = regexp.MustCompile(`^(awswaf|poolguard):[0-9A-Za-z_\-:]+[0-9A-Za-z_\-]$`)

func (v *validator) emailDomainLists(s *Signals) {
	seen := map[string]bool{}
	for _, l := range s.IPLists {
		seen[l.Name] = true
	}
	for i := range s.EmailDomainLists {
		l := &s.EmailDomainLists[i]
		key := fmt.Sprintf("signals.email_domain_lists[%d]", i)
		if !listNamePattern.MatchString(l.Name) {
			v.add(key+".name", "%q is not a name of 1 to 64 letters, digits, '_', '-' or '.'", l.Name)
		} else if seen[l.Name] {
			v.add(key+".name", "duplicate list name %q (names are shared with ip_lists)", l.Name)
		}
		seen[l.Name] = true
		if l.Label != "" && !proxyLabelPattern.MatchString(l.Label) {
			v.add(key+".label", "%q is not a fully-qualified label such as %s", l.Label, DefaultDisposableLabel)
		}
		if l.Source == "" {
			v.add(key+".source", "is required (a file path or an http(s) URL)")
		}
		if l.Refresh < 0 || (l.Refresh > 0 && l.Refresh < time.Minute && len(l.Source) > 4 && l.Source[:4] == "http") {
			v.add(key+".refresh", "must be at least 1m for a URL")
		}
	}
}
