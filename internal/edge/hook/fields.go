package hook

import (
	"encoding/json"
	"strings"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/request"
)

// maxHeaderValue bounds a header value sent to the hook.
const maxHeaderValue = 2048

// BuildRequest describes v for the hook: its operation, client, address,
// labels, the headers named by headers (canonical names) and the body
// fields at the dotted paths fields. Paths that config.SecretField refuses
// are skipped, and nested keys named like secrets are dropped from the
// objects a path selects.
func BuildRequest(v *request.View, labels, headers, fields []string) *Request {
	r := &Request{
		RequestID: v.RequestID, Operation: v.Operation, ClientID: v.ClientID,
		Country: v.Country, Labels: labels, Username: v.Username,
	}
	if r.Labels == nil {
		r.Labels = []string{}
	}
	if v.ClientIP.IsValid() {
		r.ClientIP = v.ClientIP.String()
	}
	for _, name := range headers {
		vals := v.Header[name]
		if len(vals) == 0 || config.SecretHeader(name) {
			continue
		}
		if r.Headers == nil {
			r.Headers = make(map[string]string, len(headers))
		}
		val := strings.Join(vals, ", ")
		if len(val) > maxHeaderValue {
			val = val[:maxHeaderValue]
		}
		r.Headers[strings.ToLower(name)] = val
	}
	for _, p := range fields {
		if config.SecretField(p) {
			continue
		}
		res := v.JSON(p)
		if !res.Exists() {
			continue
		}
		raw := json.RawMessage(res.Raw)
		if res.IsObject() || res.IsArray() {
			raw = scrub(raw)
		}
		if r.Fields == nil {
			r.Fields = make(map[string]json.RawMessage, len(fields))
		}
		r.Fields[p] = raw
	}
	return r
}

// scrub returns raw without the object keys named like secrets, and
// without {Name, Value} attribute entries whose Name is (Cognito's
// UserAttributes shape).
func scrub(raw json.RawMessage) json.RawMessage {
	var x any
	if err := json.Unmarshal(raw, &x); err != nil {
		return json.RawMessage("null")
	}
	out, err := json.Marshal(scrubValue(x))
	if err != nil {
		return json.RawMessage("null")
	}
	return out
}

func scrubValue(x any) any {
	switch t := x.(type) {
	case map[string]any:
		for k, v := range t {
			if config.SecretName(k) {
				delete(t, k)
				continue
			}
			t[k] = scrubValue(v)
		}
		return t
	case []any:
		out := t[:0]
		for _, e := range t {
			if m, ok := e.(map[string]any); ok {
				if name, ok := m["Name"].(string); ok && config.SecretName(strings.TrimPrefix(name, "custom:")) {
					continue
				}
			}
			out = append(out, scrubValue(e))
		}
		return out
	}
	return x
}
