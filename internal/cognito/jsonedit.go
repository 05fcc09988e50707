package cognito

import (
	"bytes"
	"strconv"

	"github.com/tidwall/gjson"
)

// setString returns body with the string field key of the object at parent
// ("" for the top level) set to val, replacing any value the client sent and
// creating the parent object when it is absent. body must be a valid JSON
// object (checked by the caller); the input slice may be reused.
func setString(body []byte, parent, key, val string) ([]byte, *Error) {
	path := key
	if parent != "" {
		path = parent + "." + key
	}
	quoted := appendJSONString(nil, val)
	if r := gjson.GetBytes(body, path); r.Exists() && r.Index > 0 {
		return splice(body, r.Index, r.Index+len(r.Raw), quoted), nil
	}
	if parent == "" {
		return insertMember(body, 0, len(body), key, quoted)
	}
	p := gjson.GetBytes(body, parent)
	switch {
	case !p.Exists() || p.Type == gjson.Null:
		obj := append(append(append([]byte(`{"`), key...), `":`...), quoted...)
		obj = append(obj, '}')
		if p.Exists() {
			return splice(body, p.Index, p.Index+len(p.Raw), obj), nil
		}
		return insertMember(body, 0, len(body), parent, obj)
	case !p.IsObject() || p.Index == 0:
		return nil, InvalidParameter(parent + " must be a map of strings.")
	}
	return insertMember(body, p.Index, p.Index+len(p.Raw), key, quoted)
}

// insertMember inserts "key":raw as the last member of the object spanning
// body[start:end].
func insertMember(body []byte, start, end int, key string, raw []byte) ([]byte, *Error) {
	obj := body[start:end]
	closing := bytes.LastIndexByte(obj, '}')
	opening := bytes.IndexByte(obj, '{')
	if closing < 0 || opening < 0 {
		return nil, Serialization("Request body must be a JSON object.")
	}
	member := make([]byte, 0, len(key)+len(raw)+4)
	if len(bytes.TrimSpace(obj[opening+1:closing])) > 0 {
		member = append(member, ',')
	}
	member = strconv.AppendQuote(member, key)
	member = append(member, ':')
	member = append(member, raw...)
	at := start + closing
	return splice(body, at, at, member), nil
}

// splice returns body with body[from:to] replaced by repl.
func splice(body []byte, from, to int, repl []byte) []byte {
	out := make([]byte, 0, len(body)-(to-from)+len(repl))
	out = append(out, body[:from]...)
	out = append(out, repl...)
	return append(out, body[to:]...)
}

// duplicateKey returns the first key that occurs twice in the object raw
// (`""` for the empty key), or "". Cognito's parser keeps the last of
// duplicate keys while the proxy reads the first, so a body with duplicates
// could make the two disagree on the client or user; such bodies are
// refused.
func duplicateKey(raw gjson.Result) string {
	var seen [16]string
	keys := seen[:0]
	dup := ""
	raw.ForEach(func(k, _ gjson.Result) bool {
		for _, s := range keys {
			if s == k.Str {
				dup = k.Str
				if dup == "" {
					dup = `""`
				}
				return false
			}
		}
		keys = append(keys, k.Str)
		return true
	})
	return dup
}
