// Package signals finds what AWS WAF's managed rule groups would say about
// a request — IP reputation and anonymous-IP lists, geo location, bot
// signals — and hands it to the web ACL as labels with AWS's names, so that
// rules written for AWS (LabelMatchStatement on
// awswaf:managed:aws:amazon-ip-list:..., awswaf:clientip:geo:..., the
// bot-control signals) work unchanged behind the proxy.
//
// A Manager owns the sources, which outlive configuration reloads: IP lists
// (files or URLs, refreshed on an interval, last good copy kept) and a
// MaxMind-format geo database (reloaded when the file changes). Each
// configuration build yields an immutable Signals that the request path
// reads without locks.
package signals

import (
	"slices"

	"github.com/poolguard/poolguard/internal/edge/request"
)

// Signals labels requests. It is immutable and safe for concurrent use; a
// nil *Signals labels nothing.
type Signals struct {
	lists []*List
	geo   *Geo
	bots  bool
}

// New returns Signals over the given sources; geo may be nil.
func New(lists []*List, geo *Geo, bots bool) *Signals {
	return &Signals{lists: slices.Clone(lists), geo: geo, bots: bots}
}

// Geo returns the geo database, or nil.
func (s *Signals) Geo() *Geo {
	if s == nil {
		return nil
	}
	return s.geo
}

// ReadsBody reports whether some of the labels Annotate adds come from the
// request's body (an e-mail domain list labels the address a call names).
// When it is false, Annotate on a view of the request's head alone gives
// every label the whole request would get. A nil *Signals reads nothing.
func (s *Signals) ReadsBody() bool {
	if s == nil {
		return false
	}
	return slices.ContainsFunc(s.lists, (*List).IsDomains)
}

// Annotate appends v's labels to v.Labels (each once) and sets v.Country
// from the geo database when it knows the client address. It reads
// v.ClientIP, v.Header and v.EmailDomain (domain lists label the e-mail
// address a request names, and set v.Hygiene.Email). (The phone number a request can make the pool
// text is package phone's.)
func (s *Signals) Annotate(v *request.View) {
	if s == nil {
		return
	}
	labels := v.Labels
	for _, l := range s.lists {
		if l.IsDomains() {
			labels = s.emailLabel(v, l, labels)
		} else if l.Contains(v.ClientIP) && !slices.Contains(labels, l.Label()) {
			labels = append(labels, l.Label())
		}
	}
	if s.geo != nil {
		var cc string
		labels, cc = s.geo.AppendLabels(labels, v.ClientIP)
		if cc != "" {
			v.Country = cc
		}
	}
	if s.bots {
		var ua string
		if h := v.Header["User-Agent"]; len(h) > 0 {
			ua = h[0]
		}
		nonBrowser, automated := ClassifyUserAgent(ua)
		if nonBrowser {
			labels = append(labels, LabelNonBrowserUA)
		}
		if automated {
			labels = append(labels, LabelAutomatedBrowser)
		}
	}
	v.Labels = labels
}

// emailLabel appends the label of the domain list l when v names an e-mail
// address whose domain l holds, and records the check in v.Hygiene.
func (s *Signals) emailLabel(v *request.View, l *List, labels []string) []string {
	if v.EmailDomain == "" {
		return labels
	}
	if !l.ContainsDomain(v.EmailDomain) {
		if v.Hygiene.Email == "" {
			v.Hygiene.Email = "clean"
		}
		return labels
	}
	v.Hygiene.Email = "disposable"
	if slices.Contains(labels, l.Label()) {
		return labels
	}
	return append(labels, l.Label())
}
