package waf

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/edge/clientip"
	"github.com/poolguard/poolguard/internal/edge/request"
)

// Rate-based rule limits as AWS enforces them.
const (
	minRateLimit     = 10
	maxRateLimit     = 2_000_000_000
	defaultWindowSec = 300
)

// Aggregation kinds, and custom key kinds.
const (
	aggIP = iota
	aggForwardedIP
	aggConstant
	aggCustom

	keyHeader
	keyCookie
	keyQueryArg
	keyQueryString
	keyURIPath
	keyMethod
	keyIP
	keyForwardedIP
	keyLabelNamespace
)

// rateRule is a compiled RateBasedStatement.
type rateRule struct {
	id        string // ratelimit.Hit.Rule: name and key fingerprint
	limit     int64
	window    time.Duration
	limitKey  string // as AWS logs it: IP, FORWARDEDIP, CONSTANT, CUSTOMKEYS
	agg       int
	fwd       *fwdConfig
	keys      []customKey
	scopeDown matcher
	// v6Bits is Options.IPv6Prefix: IPv6 addresses are keyed by their
	// prefix of this length (clientip.AppendKey).
	v6Bits int
}

type customKey struct {
	kind int
	name string
	tr   chain
	// hash, for a personal pseudo-header, replaces the value by its HMAC.
	hash *keyHasher
}

type keyResult int

const (
	keyOK            keyResult = iota
	keyMissing                 // the request lacks a key component: not counted
	keyFallbackMatch           // invalid forwarded IP with FallbackBehavior MATCH
)

func (c *compiler) rateBased(path string, s *RateBasedStatement, r *rule) *rateRule {
	rr := &rateRule{limit: s.Limit, v6Bits: c.opts.IPv6Prefix}
	ok := true
	if s.Limit < minRateLimit || s.Limit > maxRateLimit {
		c.addf(path+".Limit", "Limit must be %d-%d, got %d", minRateLimit, maxRateLimit, s.Limit)
		ok = false
	}
	win := s.EvaluationWindowSec
	if win == 0 {
		win = defaultWindowSec
	}
	if !slices.Contains([]int64{60, 120, 300, 600}, win) {
		c.addf(path+".EvaluationWindowSec", "EvaluationWindowSec must be 60, 120, 300 or 600, got %d", s.EvaluationWindowSec)
		ok = false
	}
	rr.window = time.Duration(win) * time.Second
	agg, valid := c.enum(path, "AggregateKeyType", s.AggregateKeyType, "", "IP", "FORWARDED_IP", "CONSTANT", "CUSTOM_KEYS")
	ok = ok && valid
	rr.agg = map[string]int{"IP": aggIP, "FORWARDED_IP": aggForwardedIP, "CONSTANT": aggConstant, "CUSTOM_KEYS": aggCustom}[agg]
	rr.limitKey = strings.ReplaceAll(agg, "_", "")
	needsFwd := agg == "FORWARDED_IP" || (agg == "CUSTOM_KEYS" && slices.ContainsFunc(s.CustomKeys, func(k RateBasedKey) bool { return k.ForwardedIP != nil }))
	switch {
	case s.ForwardedIPConfig != nil && !needsFwd:
		c.addf(path+".ForwardedIPConfig", "ForwardedIPConfig is only for AggregateKeyType FORWARDED_IP or a ForwardedIP custom key")
		ok = false
	case s.ForwardedIPConfig == nil && needsFwd:
		c.addf(path+".ForwardedIPConfig", "missing ForwardedIPConfig (needed to aggregate on a forwarded IP)")
		ok = false
	case s.ForwardedIPConfig != nil:
		rr.fwd = c.forwardedIP(path+".ForwardedIPConfig", s.ForwardedIPConfig.HeaderName, s.ForwardedIPConfig.FallbackBehavior, "", false)
	}
	if agg == "CONSTANT" && s.ScopeDownStatement == nil {
		c.addf(path+".ScopeDownStatement", "AggregateKeyType CONSTANT needs a ScopeDownStatement")
		ok = false
	}
	if agg == "CUSTOM_KEYS" {
		if n := len(s.CustomKeys); n < 1 || n > 5 {
			c.addf(path+".CustomKeys", "CUSTOM_KEYS needs 1 to 5 custom keys, got %d", n)
			ok = false
		}
		for i := range s.CustomKeys {
			k, kok := c.customKey(fmt.Sprintf("%s.CustomKeys[%d]", path, i), &s.CustomKeys[i])
			ok = ok && kok
			rr.keys = append(rr.keys, k)
		}
	} else if len(s.CustomKeys) > 0 {
		c.addf(path+".CustomKeys", "CustomKeys are only for AggregateKeyType CUSTOM_KEYS")
		ok = false
	}
	if s.ScopeDownStatement != nil {
		reads := len(c.labelReads)
		rr.scopeDown = c.statement(path+".ScopeDownStatement", s.ScopeDownStatement)
		r.readsLabels = slices.Clone(c.labelReads[reads:])
		ok = ok && rr.scopeDown != nil
	}
	rr.id = r.name + "#" + fingerprint(win, s)
	if !ok {
		return nil
	}
	c.rateIDs = append(c.rateIDs, RateRule{Name: r.name, ID: rr.id})
	return rr
}

// fingerprint identifies a rate rule's key definition, so that counters
// are not shared across a change of key or window.
func fingerprint(win int64, s *RateBasedStatement) string {
	h := fnv.New64a()
	def, _ := json.Marshal(struct {
		W int64
		A string
		F *ForwardedIPConfig
		K []RateBasedKey
	}{win, s.AggregateKeyType, s.ForwardedIPConfig, s.CustomKeys})
	h.Write(def)
	return fmt.Sprintf("%016x", h.Sum64())
}

func (c *compiler) customKey(path string, k *RateBasedKey) (customKey, bool) {
	var set []string
	var out customKey
	named := func(field string, kind int, n *RateLimitNamed, canonical bool) {
		set = append(set, field)
		if n.Name == "" {
			c.addf(path+"."+field+".Name", "missing Name")
		}
		out = customKey{kind: kind, name: n.Name, tr: c.transformations(path+"."+field, n.TextTransformations)}
		if canonical {
			out.name = http.CanonicalHeaderKey(n.Name)
			if request.IsPersonalHeader(n.Name) {
				out.hash = c.hasher()
			}
		}
	}
	if k.Header != nil {
		named("Header", keyHeader, k.Header, true)
	}
	if k.Cookie != nil {
		named("Cookie", keyCookie, k.Cookie, false)
	}
	if k.QueryArgument != nil {
		named("QueryArgument", keyQueryArg, k.QueryArgument, false)
	}
	if k.QueryString != nil {
		set = append(set, "QueryString")
		out = customKey{kind: keyQueryString, tr: c.transformations(path+".QueryString", k.QueryString.TextTransformations)}
	}
	if k.UriPath != nil {
		set = append(set, "UriPath")
		out = customKey{kind: keyURIPath, tr: c.transformations(path+".UriPath", k.UriPath.TextTransformations)}
	}
	if k.HTTPMethod != nil {
		set = append(set, "HTTPMethod")
		out = customKey{kind: keyMethod}
	}
	if k.IP != nil {
		set = append(set, "IP")
		out = customKey{kind: keyIP}
	}
	if k.ForwardedIP != nil {
		set = append(set, "ForwardedIP")
		out = customKey{kind: keyForwardedIP}
	}
	if k.LabelNamespace != nil {
		set = append(set, "LabelNamespace")
		ns := k.LabelNamespace.Namespace
		if !strings.HasSuffix(ns, ":") || !labelPattern.MatchString(ns) {
			c.addf(path+".LabelNamespace.Namespace", "invalid namespace %q: must end with ':'", ns)
		}
		if !strings.HasPrefix(ns, "awswaf:") {
			ns = c.ns + ns
		}
		out = customKey{kind: keyLabelNamespace, name: ns}
	}
	for _, u := range []struct {
		v    any
		name string
	}{{k.JA3Fingerprint, "JA3Fingerprint"}, {k.JA4Fingerprint, "JA4Fingerprint"}, {k.ASN, "ASN"}} {
		if u.v != nil {
			c.addf(path+"."+u.name, "custom key %s is not supported by the proxy", u.name)
			return out, false
		}
	}
	if len(set) != 1 {
		c.addf(path, "set exactly one key component, found %d", len(set))
		return out, false
	}
	return out, true
}

// appendKey appends the request's aggregation key to buf.
func (rr *rateRule) appendKey(c *evalCtx, buf []byte) ([]byte, keyResult) {
	switch rr.agg {
	case aggIP:
		if !c.v.ClientIP.IsValid() {
			return buf, keyMissing
		}
		return clientip.AppendKey(buf, c.v.ClientIP, rr.v6Bits), keyOK
	case aggForwardedIP:
		a, st := rr.fwd.first(c)
		if st != fwdOK {
			return buf, rr.fwdResult(st)
		}
		return clientip.AppendKey(buf, a, rr.v6Bits), keyOK
	case aggConstant:
		return buf, keyOK
	}
	for i := range rr.keys {
		start := len(buf)
		buf = binary.AppendUvarint(buf, 0) // length placeholder, fixed below
		var res keyResult
		buf, res = rr.keys[i].appendValue(c, rr, buf)
		if res != keyOK {
			return buf[:start], res
		}
		buf = fixLength(buf, start)
	}
	return buf, keyOK
}

func (rr *rateRule) fwdResult(st fwdStatus) keyResult {
	if rr.fwd.fallback(st) {
		return keyFallbackMatch
	}
	return keyMissing
}

// fixLength rewrites the one-byte length placeholder at start as the
// uvarint length of what follows it.
func fixLength(buf []byte, start int) []byte {
	n := len(buf) - start - 1
	if n < 0x80 {
		buf[start] = byte(n)
		return buf
	}
	var tmp [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(tmp[:], uint64(n))
	buf = append(buf, tmp[:k-1]...) // grow by k-1
	copy(buf[start+k:], buf[start+1:start+1+n])
	copy(buf[start:], tmp[:k])
	return buf
}

func (k *customKey) appendValue(c *evalCtx, rr *rateRule, buf []byte) ([]byte, keyResult) {
	v := c.v
	var raw string
	switch k.kind {
	case keyIP:
		if !v.ClientIP.IsValid() {
			return buf, keyMissing
		}
		return clientip.AppendKey(buf, v.ClientIP, rr.v6Bits), keyOK
	case keyForwardedIP:
		a, st := rr.fwd.first(c)
		if st != fwdOK {
			return buf, rr.fwdResult(st)
		}
		return clientip.AppendKey(buf, a, rr.v6Bits), keyOK
	case keyMethod:
		return append(buf, v.Method...), keyOK
	case keyLabelNamespace:
		found := false
		for _, l := range c.out.Labels {
			if strings.HasPrefix(l, k.name) {
				if found {
					buf = append(buf, ',')
				}
				buf = append(buf, l...)
				found = true
			}
		}
		if !found {
			return buf, keyMissing
		}
		return buf, keyOK
	case keyHeader:
		h, ok := v.HeaderValue(k.name)
		if !ok {
			return buf, keyMissing
		}
		raw = h
	case keyCookie:
		ck, ok := cookieValue(v.Header["Cookie"], k.name)
		if !ok {
			return buf, keyMissing
		}
		raw = ck
	case keyQueryArg:
		qa, ok := queryArg(v.RawQuery, k.name)
		if !ok {
			return buf, keyMissing
		}
		raw = qa
	case keyQueryString:
		if v.RawQuery == "" {
			return buf, keyMissing
		}
		raw = v.RawQuery
	case keyURIPath:
		raw = v.Path
	}
	if k.hash != nil {
		return k.hash.appendHash(buf, k.tr.apply(&c.s, bytesOf(raw))), keyOK
	}
	return append(buf, k.tr.apply(&c.s, bytesOf(raw))...), keyOK
}

func cookieValue(lines []string, name string) (string, bool) {
	for _, l := range lines {
		for l != "" {
			var kv string
			kv, l, _ = strings.Cut(l, ";")
			k, val, _ := strings.Cut(strings.TrimSpace(kv), "=")
			if k == name {
				return val, true
			}
		}
	}
	return "", false
}

func queryArg(q, name string) (string, bool) {
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		k, val, _ := strings.Cut(kv, "=")
		if strings.EqualFold(k, name) {
			return val, true
		}
	}
	return "", false
}

// keyText renders a key for logs (RateBasedMatch.LimitValue).
func (rr *rateRule) keyText(key []byte) string {
	if rr.agg != aggCustom {
		return string(key)
	}
	var parts []string
	for len(key) > 0 {
		n, k := binary.Uvarint(key)
		if k <= 0 || uint64(len(key)-k) < n {
			break
		}
		parts = append(parts, string(key[k:k+int(n)]))
		key = key[k+int(n):]
	}
	return strings.Join(parts, ", ")
}
