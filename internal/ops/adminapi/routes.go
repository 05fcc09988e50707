package adminapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ipsets"
	"github.com/poolguard/poolguard/internal/rules/prefixset"
)

// maxBody bounds request bodies.
const maxBody = 1 << 20

// ChangeRequest is the body of POST and DELETE /v1/ipsets/{name}.
type ChangeRequest struct {
	// Addresses in AWS IPSet notation (CIDR; a bare address is a host).
	Addresses []string `json:"addresses"`
	// TTL is a Go duration ("1h", "30m"); empty for no expiry.
	TTL string `json:"ttl,omitempty"`
}

// SetsResponse is the body of GET /v1/ipsets.
type SetsResponse struct {
	IPSets []ipsets.SetInfo `json:"ip_sets"`
}

// SetResponse is the body of a successful change: the set afterwards.
type SetResponse struct {
	IPSet ipsets.SetInfo `json:"ip_set"`
}

// RateLimitsResponse is the body of GET /v1/ratelimits.
type RateLimitsResponse struct {
	Rules []RuleKeys `json:"rules"`
}

// RuleKeys are one rule's keys over its limit.
type RuleKeys struct {
	Rule string      `json:"rule"`
	Keys []OverKeyJS `json:"keys"`
}

// OverKeyJS is one rate-limited key.
type OverKeyJS struct {
	Key   string    `json:"key"`
	Count int64     `json:"count"`
	Since time.Time `json:"since"`
	Last  time.Time `json:"last"`
}

func (a *api) registry() (*ipsets.Registry, error) {
	if a.o.IPSets == nil {
		return nil, &Error{Status: http.StatusNotImplemented, Code: "NotConfigured", Message: "no IP set registry"}
	}
	return a.o.IPSets, nil
}

func (a *api) listSets(*http.Request) (any, error) {
	reg, err := a.registry()
	if err != nil {
		return nil, err
	}
	return SetsResponse{IPSets: reg.List(a.o.Now())}, nil
}

func (a *api) changeSet(r *http.Request) (any, error) {
	reg, err := a.registry()
	if err != nil {
		return nil, err
	}
	name := r.PathValue("name")
	rec := record(r)
	rec.set = name
	var req ChangeRequest
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, badRequest("InvalidRequest", "body: "+err.Error())
	}
	rec.addresses, rec.ttl = req.Addresses, req.TTL
	if len(req.Addresses) == 0 {
		return nil, badRequest("InvalidRequest", "addresses: at least one address is required")
	}
	version, err := knownSet(reg, name, r.Method == http.MethodDelete)
	if err != nil {
		return nil, err
	}
	prefixes, err := parseAddresses(req.Addresses, name, version)
	if err != nil {
		return nil, err
	}
	var ttl time.Duration
	if req.TTL != "" {
		if ttl, err = time.ParseDuration(req.TTL); err != nil || ttl <= 0 {
			return nil, badRequest("InvalidTTL", fmt.Sprintf("ttl %q: want a positive duration such as \"1h\" or \"30m\"", req.TTL))
		}
	}
	now := a.o.Now()
	if r.Method == http.MethodDelete {
		err = reg.Remove(r.Context(), now, name, prefixes, ttl)
	} else {
		err = reg.Add(r.Context(), now, name, prefixes, ttl)
	}
	switch {
	case errors.Is(err, ipsets.ErrUnknownSet):
		return nil, &Error{Status: http.StatusNotFound, Code: "UnknownIPSet", Message: err.Error()}
	case errors.Is(err, ipsets.ErrPersist):
		return nil, &Error{Status: http.StatusServiceUnavailable, Code: "StateUnavailable", Message: err.Error(), Err: err}
	case err != nil:
		return nil, badRequest("InvalidRequest", err.Error())
	}
	for _, s := range reg.List(now) {
		if s.Name == name {
			return SetResponse{IPSet: s}, nil
		}
	}
	return SetResponse{IPSet: ipsets.SetInfo{Name: name, Entries: []ipsets.EntryInfo{}}}, nil
}

// knownSet returns the address family of set name, or the error for a set
// that may not be changed: additions go only to the sets this
// configuration defines (presets and waf.ip_sets; a rule can reference no
// other), removals also to sets left from runtime changes.
func knownSet(reg *ipsets.Registry, name string, removal bool) (string, error) {
	origin, version, ok := reg.Lookup(name)
	if ok && (origin == ipsets.Config || removal) {
		return version, nil
	}
	known := reg.Names(ipsets.Config)
	return "", &Error{Status: http.StatusNotFound, Code: "UnknownIPSet", KnownSets: known,
		Message: fmt.Sprintf("IP set %q is not defined by this configuration; its IP sets: %s (define a new one in waf.ip_sets)",
			name, strings.Join(known, ", "))}
}

// parseAddresses parses each address for set name of address family
// version ("" for either), naming every invalid one.
func parseAddresses(addrs []string, name, version string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(addrs))
	var bad []InvalidAddress
	for i, a := range addrs {
		p, err := prefixset.ParsePrefixes([]string{a})
		if err == nil && version != "" && p[0].Addr().Is4() != (version == "IPV4") {
			bad = append(bad, InvalidAddress{Index: i, Address: a, Reason: fmt.Sprintf("not an %s address; %s holds %s addresses only",
				map[bool]string{true: "IPv4", false: "IPv6"}[version == "IPV4"], name, version)})
			continue
		}
		if err != nil {
			reason := err.Error()
			if _, r, ok := strings.Cut(reason, ": "); ok {
				reason = r
			}
			if _, r, ok := strings.Cut(reason, "\": "); ok {
				reason = r
			}
			bad = append(bad, InvalidAddress{Index: i, Address: a, Reason: reason})
			continue
		}
		out = append(out, p...)
	}
	if len(bad) > 0 {
		quoted := make([]string, len(bad))
		for i, b := range bad {
			quoted[i] = fmt.Sprintf("%q", b.Address)
		}
		e := badRequest("InvalidAddress", "invalid address "+strings.Join(quoted, ", ")+": want CIDR notation such as \"198.51.100.7/32\"")
		e.Invalid = bad
		return nil, e
	}
	return out, nil
}

func (a *api) reload(r *http.Request) (any, error) {
	if a.o.Reload == nil {
		return nil, &Error{Status: http.StatusNotImplemented, Code: "NotConfigured", Message: "reload is not available"}
	}
	force := false
	if v := r.URL.Query().Get("force"); v != "" {
		f, err := strconv.ParseBool(v)
		if err != nil {
			return nil, badRequest("InvalidParameter", "force must be true or false")
		}
		force = f
	}
	record(r).force = force
	if err := a.o.Reload(r.Context(), force); err != nil {
		return nil, &Error{Status: http.StatusUnprocessableEntity, Code: "ReloadFailed", Message: "reload failed; the previous configuration stays in use: " + err.Error(), Err: err}
	}
	return map[string]string{"status": "reloaded"}, nil
}

func (a *api) rateLimits(*http.Request) (any, error) {
	resp := RateLimitsResponse{Rules: []RuleKeys{}}
	if a.o.RateLimited == nil {
		return resp, nil
	}
	for rule, keys := range a.o.RateLimited(a.o.Now()) {
		rk := RuleKeys{Rule: rule, Keys: make([]OverKeyJS, len(keys))}
		for i, k := range keys {
			rk.Keys[i] = OverKeyJS{Key: k.Key, Count: k.Count, Since: k.Since.UTC(), Last: k.Last.UTC()}
		}
		resp.Rules = append(resp.Rules, rk)
	}
	sort.Slice(resp.Rules, func(i, j int) bool { return resp.Rules[i].Rule < resp.Rules[j].Rule })
	return resp, nil
}
