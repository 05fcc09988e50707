// Package email normalises the e-mail address a Cognito request names, so
// that per-address limits count one mailbox once however it is written,
// and matches its domain against lists of disposable e-mail domains.
package email

import (
	"net/mail"
	"strings"

	"golang.org/x/net/idna"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/tidwall/gjson"
)

// Normalize returns the mailbox addr delivers to, in a canonical form, and
// its domain: lower case; the domain in ASCII (IDNA); a "+tag" removed
// from the local part (sub-addressing, which the large providers deliver
// to the same mailbox); and, for Gmail (gmail.com, googlemail.com, which
// ignore dots), the dots of the local part removed and the domain
// gmail.com. ok is false when addr is not a single plain address (RFC
// 5322, parsed by net/mail; a display name, or a quoted local part with
// spaces or control characters, is refused).
func Normalize(addr string) (normalized, domain string, ok bool) {
	if !strings.Contains(addr, "@") {
		return "", "", false
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Name != "" {
		return "", "", false
	}
	at := strings.LastIndexByte(a.Address, '@')
	local, dom := a.Address[:at], a.Address[at+1:]
	dom, err = idna.Lookup.ToASCII(strings.TrimSuffix(strings.ToLower(dom), "."))
	if err != nil || dom == "" || local == "" || strings.ContainsFunc(local, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", "", false
	}
	local = strings.ToLower(local)
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	if dom == "gmail.com" || dom == "googlemail.com" {
		local, dom = strings.ReplaceAll(local, ".", ""), "gmail.com"
	}
	return local + "@" + dom, dom, true
}

// Resolve sets v.Email and v.EmailDomain from the address v names: the
// email attribute of SignUp and UpdateUserAttributes, else a user name
// that is an e-mail address. It leaves them empty when the request names
// none.
func Resolve(v *request.View) {
	var addr string
	switch v.Operation {
	case "SignUp", "UpdateUserAttributes":
		v.JSON("UserAttributes").ForEach(func(_, a gjson.Result) bool {
			if strings.EqualFold(a.Get("Name").Str, "email") {
				addr = a.Get("Value").Str
				return false
			}
			return true
		})
	}
	if addr == "" {
		addr = v.Username
	}
	if n, d, ok := Normalize(addr); ok {
		v.Email, v.EmailDomain = n, d
	}
}

// Domains is a set of e-mail domains, as the public disposable-email
// lists publish them (one per line). The zero value is empty; a Domains is
// read-only once built and safe for concurrent use.
type Domains struct {
	set map[string]struct{}
}

// Len returns the number of domains.
func (d *Domains) Len() int {
	if d == nil {
		return 0
	}
	return len(d.set)
}

// Contains reports whether domain (ASCII, lower case, as Normalize
// returns it) or any domain it is under is in the set:
// "x.mailinator.com" is in a set holding "mailinator.com".
func (d *Domains) Contains(domain string) bool {
	if d == nil || len(d.set) == 0 {
		return false
	}
	for domain != "" {
		if _, ok := d.set[domain]; ok {
			return true
		}
		i := strings.IndexByte(domain, '.')
		if i < 0 {
			return false
		}
		domain = domain[i+1:]
	}
	return false
}

// NewDomains returns the set of the given domains (ASCII, lower case),
// which it keeps.
func NewDomains(set map[string]struct{}) *Domains { return &Domains{set: set} }
