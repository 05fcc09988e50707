package waf

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var headerNamePattern = regexp.MustCompile(`^[a-zA-Z0-9._$-]{1,64}$`)

// ruleAction compiles a rule's Action into r.
func (c *compiler) ruleAction(path string, a *RuleAction, r *rule) {
	set := 0
	if a.Allow != nil {
		set++
		r.action, r.terminate = ActionAllow, true
		r.headers = c.requestHandling(path+".Allow", a.Allow.CustomRequestHandling)
	}
	if a.Block != nil {
		set++
		r.action, r.terminate = ActionBlock, true
		r.response = c.customResponse(path+".Block.CustomResponse", a.Block.CustomResponse)
	}
	if a.Count != nil {
		set++
		r.action, r.terminate = ActionCount, false
		r.headers = c.requestHandling(path+".Count", a.Count.CustomRequestHandling)
	}
	if a.Captcha != nil {
		set++
		r.action, r.terminate = ActionCaptcha, true
		r.headers = c.requestHandling(path+".Captcha", a.Captcha.CustomRequestHandling)
	}
	if a.Challenge != nil {
		set++
		r.action, r.terminate = ActionChallenge, true
		r.headers = c.requestHandling(path+".Challenge", a.Challenge.CustomRequestHandling)
	}
	if set != 1 {
		c.addf(path, "set exactly one of Allow, Block, Count, Captcha, Challenge (found %d)", set)
	}
}

// defaultAction compiles the web ACL's DefaultAction.
func (c *compiler) defaultAction(path string, a *DefaultAction) *rule {
	r := &rule{name: DefaultActionID, action: ActionAllow, terminate: true}
	if a == nil {
		c.addf(path, "missing DefaultAction (Allow or Block)")
		return r
	}
	if (a.Allow != nil) == (a.Block != nil) {
		c.addf(path, "set exactly one of Allow and Block")
		return r
	}
	if a.Block != nil {
		r.action = ActionBlock
		r.response = c.customResponse(path+".Block.CustomResponse", a.Block.CustomResponse)
	} else {
		r.headers = c.requestHandling(path+".Allow", a.Allow.CustomRequestHandling)
	}
	return r
}

// requestHandling compiles CustomRequestHandling.InsertHeaders; names get
// the x-amzn-waf- prefix as AWS WAF adds it.
func (c *compiler) requestHandling(path string, h *CustomRequestHandling) []HeaderField {
	if h == nil {
		return nil
	}
	if len(h.InsertHeaders) == 0 {
		c.addf(path+".CustomRequestHandling.InsertHeaders", "must list at least one header")
	}
	return c.headers(path+".CustomRequestHandling.InsertHeaders", h.InsertHeaders, "x-amzn-waf-")
}

func (c *compiler) headers(path string, in []CustomHTTPHeader, prefix string) []HeaderField {
	out := make([]HeaderField, 0, len(in))
	for i, h := range in {
		if !headerNamePattern.MatchString(h.Name) {
			c.addf(fmt.Sprintf("%s[%d].Name", path, i), "invalid header name %q", h.Name)
			continue
		}
		out = append(out, HeaderField{Name: prefix + h.Name, Value: h.Value})
	}
	return out
}

var contentTypes = map[string]string{
	"TEXT_PLAIN":       "text/plain",
	"TEXT_HTML":        "text/html",
	"APPLICATION_JSON": "application/json",
}

// responseBodies checks the CustomResponseBodies map.
func (c *compiler) responseBodies(path string, in map[string]CustomResponseBody) map[string]*CustomResponseBody {
	out := make(map[string]*CustomResponseBody, len(in))
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b := in[k]
		if _, ok := contentTypes[b.ContentType]; !ok {
			c.addf(path+"."+k+".ContentType", "invalid ContentType %q: must be one of %s", b.ContentType, enumList(contentTypes))
			continue
		}
		if b.Content == "" {
			c.addf(path+"."+k+".Content", "missing Content")
			continue
		}
		out[k] = &b
	}
	return out
}

// customResponse compiles a Block action's CustomResponse.
func (c *compiler) customResponse(path string, in *CustomResponse) *Response {
	if in == nil {
		return nil
	}
	if in.ResponseCode < 200 || in.ResponseCode > 599 {
		c.addf(path+".ResponseCode", "ResponseCode must be 200-599, got %d", in.ResponseCode)
	}
	r := &Response{StatusCode: int(in.ResponseCode), Headers: c.headers(path+".ResponseHeaders", in.ResponseHeaders, "")}
	if k := in.CustomResponseBodyKey; k != "" {
		b, ok := c.bodies[k]
		if !ok {
			c.addf(path+".CustomResponseBodyKey", "no CustomResponseBodies entry %q", k)
		} else {
			r.Body, r.ContentType = b.Content, contentTypes[b.ContentType]
		}
	}
	return r
}

func enumList[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}
