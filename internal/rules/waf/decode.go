package waf

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// strictDecoder copies a generic JSON value (as decoded by encoding/json
// with UseNumber) into a model value, reporting every unknown field and
// type mismatch with its path instead of stopping at the first.
type strictDecoder struct {
	errs *errs
}

var ruleType = reflect.TypeFor[Rule]()

func (d *strictDecoder) decode(path string, src any, dst reflect.Value) {
	if src == nil {
		return // JSON null leaves the zero value, as encoding/json does.
	}
	switch dst.Kind() {
	case reflect.Interface:
		dst.Set(reflect.ValueOf(src))
	case reflect.Pointer:
		v := reflect.New(dst.Type().Elem())
		d.decode(path, src, v.Elem())
		dst.Set(v)
	case reflect.Struct:
		d.decodeStruct(path, src, dst)
	case reflect.Slice:
		arr, ok := src.([]any)
		if !ok {
			d.errs.addf(path, "expected a JSON list, got %s", jsonKind(src))
			return
		}
		s := reflect.MakeSlice(dst.Type(), len(arr), len(arr))
		for i, el := range arr {
			d.decode(fmt.Sprintf("%s[%d]", path, i), el, s.Index(i))
		}
		dst.Set(s)
	case reflect.Map:
		m, ok := src.(map[string]any)
		if !ok {
			d.errs.addf(path, "expected a JSON object, got %s", jsonKind(src))
			return
		}
		out := reflect.MakeMapWithSize(dst.Type(), len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			v := reflect.New(dst.Type().Elem()).Elem()
			d.decode(path+"."+k, m[k], v)
			out.SetMapIndex(reflect.ValueOf(k), v)
		}
		dst.Set(out)
	case reflect.String:
		s, ok := src.(string)
		if !ok {
			d.errs.addf(path, "expected a string, got %s", jsonKind(src))
			return
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := src.(bool)
		if !ok {
			d.errs.addf(path, "expected true or false, got %s", jsonKind(src))
			return
		}
		dst.SetBool(b)
	case reflect.Int64:
		n, ok := src.(json.Number)
		if !ok {
			d.errs.addf(path, "expected an integer, got %s", jsonKind(src))
			return
		}
		i, err := n.Int64()
		if err != nil {
			d.errs.addf(path, "expected an integer, got %s", n)
			return
		}
		dst.SetInt(i)
	default:
		d.errs.addf(path, "internal error: cannot decode into %s", dst.Type())
	}
}

func (d *strictDecoder) decodeStruct(path string, src any, dst reflect.Value) {
	m, ok := src.(map[string]any)
	if !ok {
		d.errs.addf(path, "expected a JSON object, got %s", jsonKind(src))
		return
	}
	if dst.Type() == ruleType {
		prev := d.errs.rule
		if name, ok := m["Name"].(string); ok {
			d.errs.rule = name
		}
		defer func() { d.errs.rule = prev }()
	}
	fields := fieldsOf(dst.Type())
	for _, k := range slices.Sorted(maps.Keys(m)) {
		i, ok := fields[k]
		if !ok {
			at := path
			if at == "" {
				at = "(document)"
			}
			d.errs.addf(at, "unknown field %q%s", k, suggest(k, fields))
			continue
		}
		d.decode(join(path, k), m[k], dst.Field(i))
	}
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

var fieldCache sync.Map // reflect.Type -> map[string]int

// fieldsOf maps a struct's JSON field names to field indexes.
func fieldsOf(t reflect.Type) map[string]int {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]int)
	}
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		m[name] = i
	}
	fieldCache.Store(t, m)
	return m
}

// suggest names a known field that differs from k only in letter case.
func suggest(k string, fields map[string]int) string {
	for name := range fields {
		if strings.EqualFold(name, k) {
			return fmt.Sprintf(" (did you mean %q?)", name)
		}
	}
	return ""
}

func jsonKind(v any) string {
	switch v := v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return fmt.Sprintf("the string %q", v)
	case json.Number:
		return "the number " + v.String()
	case bool:
		return fmt.Sprintf("%v", v)
	default:
		return fmt.Sprintf("%T", v)
	}
}
