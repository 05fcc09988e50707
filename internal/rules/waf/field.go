package waf

import (
	"net/http"
	"strings"
)

// field is a compiled FieldToMatch: it hands each value of its request
// component, transformed, to an inspector.
type field interface {
	// matches reports whether insp accepts any of the component's values
	// after tr, or whether oversize handling says the statement matches.
	matches(c *evalCtx, tr chain, insp inspector) bool
}

// inspector is the test a match statement applies to one value.
type inspector interface {
	inspect(c *evalCtx, val []byte) bool
}

func check(c *evalCtx, tr chain, insp inspector, raw []byte) bool {
	return insp.inspect(c, tr.apply(&c.s, raw))
}

// oversize modes.
const (
	overContinue = iota
	overMatch
	overNoMatch
)

func (c *compiler) oversize(path, v, def string) int {
	v, ok := c.enum(path, "OversizeHandling", v, def, "CONTINUE", "MATCH", "NO_MATCH")
	if !ok {
		return overContinue
	}
	switch v {
	case "MATCH":
		return overMatch
	case "NO_MATCH":
		return overNoMatch
	}
	return overContinue
}

// fieldToMatch compiles a FieldToMatch.
func (c *compiler) fieldToMatch(path string, f *FieldToMatch) field {
	path += ".FieldToMatch"
	if f == nil {
		c.addf(path, "missing FieldToMatch")
		return nil
	}
	var set []string
	var out field
	if f.SingleHeader != nil {
		set = append(set, "SingleHeader")
		if f.SingleHeader.Name == "" {
			c.addf(path+".SingleHeader.Name", "missing header name")
		}
		out = &fieldHeader{name: http.CanonicalHeaderKey(f.SingleHeader.Name)}
	}
	if f.SingleQueryArgument != nil {
		set = append(set, "SingleQueryArgument")
		if f.SingleQueryArgument.Name == "" {
			c.addf(path+".SingleQueryArgument.Name", "missing query argument name")
		}
		out = &fieldQueryArg{name: f.SingleQueryArgument.Name}
	}
	if f.AllQueryArguments != nil {
		set = append(set, "AllQueryArguments")
		out = &fieldQueryArg{all: true}
	}
	if f.UriPath != nil {
		set = append(set, "UriPath")
		out = fieldURIPath{}
	}
	if f.QueryString != nil {
		set = append(set, "QueryString")
		out = fieldQueryString{}
	}
	if f.Method != nil {
		set = append(set, "Method")
		out = fieldMethod{}
	}
	if f.Body != nil {
		set = append(set, "Body")
		out = &fieldBody{oversize: c.oversize(path+".Body", f.Body.OversizeHandling, "CONTINUE"), limit: c.opts.BodyInspectionLimit}
	}
	if f.JsonBody != nil {
		set = append(set, "JsonBody")
		out = c.jsonBody(path+".JsonBody", f.JsonBody)
	}
	if f.Headers != nil {
		set = append(set, "Headers")
		out = c.headersField(path+".Headers", f.Headers)
	}
	if f.Cookies != nil {
		set = append(set, "Cookies")
		out = c.cookiesField(path+".Cookies", f.Cookies)
	}
	for _, u := range []struct {
		v    any
		name string
	}{{f.HeaderOrder, "HeaderOrder"}, {f.JA3Fingerprint, "JA3Fingerprint"}, {f.JA4Fingerprint, "JA4Fingerprint"}, {f.UriFragment, "UriFragment"}} {
		if u.v != nil {
			c.addf(path+"."+u.name, "%s is not supported by the proxy", u.name)
			return nil
		}
	}
	switch len(set) {
	case 0:
		c.addf(path, "empty FieldToMatch: set one request component")
		return nil
	case 1:
		return out
	default:
		c.addf(path, "set exactly one request component, found %s", strings.Join(set, " and "))
		return nil
	}
}

type fieldHeader struct{ name string }

func (f *fieldHeader) matches(c *evalCtx, tr chain, insp inspector) bool {
	v, ok := c.v.HeaderValue(f.name)
	return ok && check(c, tr, insp, bytesOf(v))
}

type fieldURIPath struct{}

func (fieldURIPath) matches(c *evalCtx, tr chain, insp inspector) bool {
	return check(c, tr, insp, bytesOf(c.v.Path))
}

type fieldQueryString struct{}

func (fieldQueryString) matches(c *evalCtx, tr chain, insp inspector) bool {
	return check(c, tr, insp, bytesOf(c.v.RawQuery))
}

type fieldMethod struct{}

func (fieldMethod) matches(c *evalCtx, tr chain, insp inspector) bool {
	return check(c, tr, insp, bytesOf(c.v.Method))
}

type fieldBody struct {
	oversize int
	limit    int
}

func (f *fieldBody) matches(c *evalCtx, tr chain, insp inspector) bool {
	body := c.v.Body
	if len(body) > f.limit {
		switch f.oversize {
		case overMatch:
			return true
		case overNoMatch:
			return false
		}
		body = body[:f.limit]
	}
	return check(c, tr, insp, body)
}

// fieldQueryArg inspects the value of one query argument (name matched
// case-insensitively; every occurrence) or, with all, of every argument.
// Values are inspected as they appear in the URL: add URL_DECODE to decode.
type fieldQueryArg struct {
	name string
	all  bool
}

func (f *fieldQueryArg) matches(c *evalCtx, tr chain, insp inspector) bool {
	q := c.v.RawQuery
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if (f.all || strings.EqualFold(k, f.name)) && check(c, tr, insp, bytesOf(v)) {
			return true
		}
	}
	return false
}
