package waf

import (
	"github.com/poolguard/poolguard/internal/edge/request"
	"strings"

	"github.com/tidwall/gjson"
)

// Invalid JSON fallbacks.
const (
	invalidEvaluateParsed = iota // unset: inspect what parses
	invalidMatch
	invalidNoMatch
	invalidAsString
)

// fieldJSON inspects a JSON body: all of it, or the elements at the
// IncludedPaths JSON pointers, their keys, values or both.
type fieldJSON struct {
	paths    []string // gjson paths; nil means the whole document
	scope    int
	invalid  int
	oversize int
	limit    int
}

func (c *compiler) jsonBody(path string, j *JsonBody) field {
	f := &fieldJSON{
		scope:    c.scope(path, j.MatchScope),
		oversize: c.oversize(path, j.OversizeHandling, "CONTINUE"),
		limit:    c.opts.BodyInspectionLimit,
	}
	if j.InvalidFallbackBehavior != "" {
		v, _ := c.enum(path, "InvalidFallbackBehavior", j.InvalidFallbackBehavior, "", "MATCH", "NO_MATCH", "EVALUATE_AS_STRING")
		f.invalid = map[string]int{"MATCH": invalidMatch, "NO_MATCH": invalidNoMatch, "EVALUATE_AS_STRING": invalidAsString}[v]
	}
	mp := j.MatchPattern
	if mp == nil {
		c.addf(path+".MatchPattern", "missing MatchPattern")
		return nil
	}
	if (mp.All != nil) == (mp.IncludedPaths != nil) {
		c.addf(path+".MatchPattern", "set exactly one of All and IncludedPaths")
		return nil
	}
	if mp.IncludedPaths != nil && len(mp.IncludedPaths) == 0 {
		c.addf(path+".MatchPattern.IncludedPaths", "list at least one JSON pointer")
	}
	for i, p := range mp.IncludedPaths {
		gp, ok := pointerToGJSON(p)
		if !ok {
			c.addf(path+".MatchPattern.IncludedPaths["+itoa(i)+"]", "invalid JSON pointer %q: must be empty or start with '/'", p)
			continue
		}
		f.paths = append(f.paths, gp)
	}
	return f
}

// pointerToGJSON converts an RFC 6901 JSON pointer to a gjson path.
func pointerToGJSON(p string) (string, bool) {
	if p == "" {
		return "@this", true
	}
	if p[0] != '/' {
		return "", false
	}
	var b strings.Builder
	for i, seg := range strings.Split(p[1:], "/") {
		if i > 0 {
			b.WriteByte('.')
		}
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		for _, r := range seg {
			if strings.ContainsRune(`.*?|#@\!=<>%:,`, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	}
	return b.String(), true
}

func (f *fieldJSON) matches(c *evalCtx, tr chain, insp inspector) bool {
	body := c.v.Body
	if len(body) == 0 {
		return false
	}
	if len(body) > f.limit {
		switch f.oversize {
		case overMatch:
			return true
		case overNoMatch:
			return false
		}
		body = body[:f.limit]
	}
	root, ok := parsedBody(c.v, body)
	if !ok {
		switch f.invalid {
		case invalidMatch:
			return true
		case invalidNoMatch:
			return false
		case invalidAsString:
			return check(c, tr, insp, body)
		}
		root = gjson.ParseBytes(body) // lenient, when no fallback is set
	}
	w := jsonWalker{c: c, tr: tr, insp: insp, scope: f.scope}
	if f.paths == nil {
		return w.walk(root)
	}
	for _, p := range f.paths {
		if r := root.Get(p); r.Exists() && w.walk(r) {
			return true
		}
	}
	return false
}

// parsedBody returns body as parsed JSON and reports whether it is valid.
// The whole body of a Cognito call was parsed once already (View.Parsed);
// only a truncated or unparsed body is parsed here.
func parsedBody(v *request.View, body []byte) (gjson.Result, bool) {
	if v.BodyValidJSON && len(body) == len(v.Body) && v.Parsed.Raw != "" {
		return v.Parsed, true
	}
	if !gjson.ValidBytes(body) {
		return gjson.Result{}, false
	}
	return gjson.ParseBytes(body), true
}

type jsonWalker struct {
	c     *evalCtx
	tr    chain
	insp  inspector
	scope int
}

// walk inspects r's keys and leaf values, depth first.
func (w *jsonWalker) walk(r gjson.Result) bool {
	if !r.IsObject() && !r.IsArray() {
		if w.scope == scopeKey {
			return false
		}
		v := r.Raw
		if r.Type == gjson.String {
			v = r.Str
		}
		return check(w.c, w.tr, w.insp, bytesOf(v))
	}
	found := false
	r.ForEach(func(k, v gjson.Result) bool {
		if r.IsObject() && w.scope != scopeValue && check(w.c, w.tr, w.insp, bytesOf(k.Str)) {
			found = true
			return false
		}
		if w.walk(v) {
			found = true
			return false
		}
		return true
	})
	return found
}
