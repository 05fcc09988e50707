package config

import (
	"encoding"
	"fmt"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder fills a Config from the parsed YAML tree, walking the tree and
// the Go types side by side so that every problem is reported with the
// position of the node it is about (yaml.Node's Line and Column): an
// unknown key (with the nearest known one), a duplicate key, a value of
// the wrong type, or a value its type refuses (a typed enum's
// UnmarshalText). It never stops at the first problem.
type decoder struct {
	file     string
	problems []Problem
	// failed are the keys whose value could not be decoded; validation
	// problems under them are not reported again.
	failed map[string]bool
	// expanding are the anchors being decoded through an alias (a cycle
	// check), and aliased counts the nodes decoded through aliases (a bound
	// on "billion laughs" documents).
	expanding map[*yaml.Node]bool
	aliased   int
}

// maxAliased bounds the nodes decoded through aliases in one document.
const maxAliased = 10000

func (d *decoder) add(n *yaml.Node, key, msg string) {
	d.problems = append(d.problems, Problem{File: d.file, Line: n.Line, Column: n.Column, Key: key, Msg: msg})
	if d.failed == nil {
		d.failed = map[string]bool{}
	}
	d.failed[key] = true
}

// covers reports whether a validation problem about key concerns a value
// that failed to decode (the key itself or one inside it).
func (d *decoder) covers(key string) bool {
	for k := range d.failed {
		if k == key || under(key, k) {
			return true
		}
	}
	return false
}

// under reports whether key is below parent in the dotted key syntax.
func under(key, parent string) bool {
	return parent == "" || strings.HasPrefix(key, parent) && len(key) > len(parent) && (key[len(parent)] == '.' || key[len(parent)] == '[')
}

var (
	prefixType   = reflect.TypeFor[netip.Prefix]()
	durationType = reflect.TypeFor[time.Duration]()
	textType     = reflect.TypeFor[encoding.TextUnmarshaler]()
	yamlType     = reflect.TypeFor[yaml.Unmarshaler]()
)

// scalarForm is implemented by mapping types that may also be written as
// a single scalar (a preset's bare name).
type scalarForm interface{ setScalar(string) }

// value decodes node n into v (addressable), at key path.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		d.alias(n, v, path)
		return
	}
	if len(d.expanding) > 0 {
		if d.aliased++; d.aliased > maxAliased {
			if d.aliased == maxAliased+1 {
				d.add(n, path, "too many values reached through aliases")
			}
			return
		}
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		v.SetZero()
		return
	}
	t := v.Type()
	switch {
	case t == prefixType:
		d.prefix(n, v, path)
		return
	case reflect.PointerTo(t).Implements(textType) || reflect.PointerTo(t).Implements(yamlType):
		d.leaf(n, v, path)
		return
	}
	if sf, ok := v.Addr().Interface().(scalarForm); ok && n.Kind == yaml.ScalarNode {
		sf.setScalar(n.Value)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		d.value(n, v.Elem(), path)
	case reflect.Struct:
		d.mapping(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.wrongType(n, t, path)
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.value(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.Map:
		d.mapValue(n, v, path)
	default:
		d.leaf(n, v, path)
	}
}

// alias decodes the node an alias refers to, refusing an anchor that
// contains itself.
func (d *decoder) alias(n *yaml.Node, v reflect.Value, path string) {
	target := n.Alias
	if target == nil {
		d.add(n, path, "unknown anchor")
		return
	}
	if d.expanding[target] {
		d.add(n, path, "the anchor "+n.Value+" contains itself")
		return
	}
	if d.expanding == nil {
		d.expanding = map[*yaml.Node]bool{}
	}
	d.expanding[target] = true
	d.value(target, v, path)
	delete(d.expanding, target)
}

// leaf decodes a scalar (or a free-form value) with the YAML library. A
// type error is reported from the node's kind and the Go type, never with
// the value (it may be a secret under the wrong key).
func (d *decoder) leaf(n *yaml.Node, v reflect.Value, path string) {
	err := n.Decode(v.Addr().Interface())
	if err == nil {
		return
	}
	if _, ok := err.(*yaml.TypeError); ok {
		d.wrongType(n, v.Type(), path)
		return
	}
	d.add(n, path, err.Error())
}

// prefix decodes an address or CIDR block (a bare address is a /32 or
// /128, as in AWS's IPSet notation).
func (d *decoder) prefix(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.wrongType(n, v.Type(), path)
		return
	}
	p, err := parsePrefix(n.Value)
	if err != nil {
		d.add(n, path, fmt.Sprintf("%q is not an IP address or CIDR", n.Value))
		return
	}
	v.Set(reflect.ValueOf(p))
}

// mapping decodes a YAML mapping into the struct v, key by key.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.wrongType(n, v.Type(), path)
		return
	}
	fields := fieldsOf(v.Type())
	seen := map[string]*yaml.Node{}
	for _, kv := range pairs(n) {
		k, val := kv[0], kv[1]
		key := join(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.add(k, key, fmt.Sprintf("set twice (first on line %d)", first.Line))
			continue
		}
		seen[k.Value] = k
		idx, ok := fields[k.Value]
		if !ok {
			d.add(k, key, unknownKey(k.Value, v.Type(), fields))
			continue
		}
		d.value(val, v.FieldByIndex(idx), key)
	}
}

// mapValue decodes a YAML mapping into the Go map v.
func (d *decoder) mapValue(n *yaml.Node, v reflect.Value, path string) {
	t := v.Type()
	if n.Kind != yaml.MappingNode || t.Key().Kind() != reflect.String {
		d.leaf(n, v, path)
		return
	}
	m := reflect.MakeMapWithSize(t, len(n.Content)/2)
	for _, kv := range pairs(n) {
		k, val := kv[0], kv[1]
		key := join(path, k.Value)
		mk := reflect.New(t.Key()).Elem()
		mk.SetString(k.Value)
		if m.MapIndex(mk).IsValid() {
			d.add(k, key, "set twice")
			continue
		}
		ev := reflect.New(t.Elem()).Elem()
		d.value(val, ev, key)
		m.SetMapIndex(mk, ev)
	}
	v.Set(m)
}

// pairs returns the key/value pairs of a mapping, merge keys (<<)
// expanded: the merged mappings' keys come first, so that the mapping's
// own keys override them (and are reported as set twice only when the
// mapping itself repeats one).
func pairs(n *yaml.Node) [][2]*yaml.Node { return mergePairs(n, map[*yaml.Node]bool{n: true}) }

// mergePairs is pairs, skipping the mappings in seen (a merge cycle).
func mergePairs(n *yaml.Node, seen map[*yaml.Node]bool) [][2]*yaml.Node {
	var merged, own [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.ShortTag() != "!!merge" {
			own = append(own, [2]*yaml.Node{k, v})
			continue
		}
		if v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		srcs := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			srcs = v.Content
		}
		for _, s := range srcs {
			if s.Kind == yaml.AliasNode {
				s = s.Alias
			}
			if s.Kind == yaml.MappingNode && !seen[s] {
				seen[s] = true
				merged = append(merged, mergePairs(s, seen)...)
			}
		}
	}
	if len(merged) == 0 {
		return own
	}
	ownKeys := map[string]bool{}
	for _, kv := range own {
		ownKeys[kv[0].Value] = true
	}
	out := make([][2]*yaml.Node, 0, len(merged)+len(own))
	for _, kv := range merged {
		if !ownKeys[kv[0].Value] {
			ownKeys[kv[0].Value] = true // the first merged mapping wins
			out = append(out, kv)
		}
	}
	return append(out, own...)
}

// fieldsOf maps the YAML keys of struct type t to field index paths,
// inline fields flattened.
func fieldsOf(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if opts == "inline" && f.Type.Kind() == reflect.Struct {
			for k, idx := range fieldsOf(f.Type) {
				out[k] = append([]int{i}, idx...)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = []int{i}
	}
	return out
}

// unknownKey says a key is not one of t's, suggesting the nearest known
// key when one is close.
func unknownKey(key string, t reflect.Type, fields map[string][]int) string {
	known := make([]string, 0, len(fields))
	for k := range fields {
		known = append(known, k)
	}
	msg := "unknown key (not a field of " + strings.ToLower(t.Name()) + ")"
	if s := suggest(key, known); s != "" {
		msg += "; did you mean " + s + "?"
	}
	return msg
}

func (d *decoder) wrongType(n *yaml.Node, t reflect.Type, path string) {
	d.add(n, path, "wrong type: "+nodeKind(n)+" where "+goKind(t)+" is expected")
}

// nodeKind names what a node holds, without its value.
func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	}
	return "a string"
}

// goKind names what a Go type accepts.
func goKind(t reflect.Type) string {
	switch {
	case t == durationType:
		return "a duration (e.g. 10s)"
	case t == prefixType:
		return "an IP address or CIDR"
	case reflect.PointerTo(t).Implements(textType):
		return "a string"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	case reflect.Pointer:
		return goKind(t.Elem())
	}
	return "a " + t.String()
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// suggest returns the known key nearest to key by edit distance, or ""
// when none is near enough to be a likely typo: at most two edits, and at
// most one for every three letters of the key.
func suggest(key string, known []string) string {
	best, bestD := "", min(2, len(key)/3)+1
	for _, k := range known {
		if dist := editDistance(key, k); dist < bestD || dist == bestD && best != "" && k < best {
			best, bestD = k, dist
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of adjacent
// bytes (config keys are ASCII, and they are the operator's, never client
// input).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// syntaxProblem turns the YAML parser's error into a problem. The parser
// reports a syntax error only as text ("yaml: line N: ..."), with no node
// to take the position from, so its line is read from that prefix.
func syntaxProblem(file string, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := Problem{File: file, Msg: msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(num); err == nil {
				p.Line, p.Msg = line, text
			}
		}
	}
	return p
}
