package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a config file.
type Problem struct {
	// File is the config file's path.
	File string
	// Line is the 1-based line of the offending key, 0 when unknown.
	Line int
	// Key is the dotted key path, e.g. "clients[0].refresh".
	Key string
	// Msg says what is wrong.
	Msg string
}

// String formats the problem as "file:line: key: msg".
func (p Problem) String() string {
	loc := p.File
	if p.Line > 0 {
		loc += ":" + strconv.Itoa(p.Line)
	}
	if p.Key == "" {
		return loc + ": " + p.Msg
	}
	return loc + ": " + p.Key + ": " + p.Msg
}

// Error lists every problem found in a config file.
type Error struct {
	Problems []Problem
}

// Error joins the problems, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Load reads, decodes, defaults and validates the config file at path.
// A path of the form env:NAME reads the config from the environment
// variable NAME instead, for containers that get no mounted file (the ECS
// stack in deploy/aws); problems then name env:NAME:LINE. Any error is an
// *Error listing every problem, or an I/O error.
func Load(path string) (*Config, error) {
	if name, ok := strings.CutPrefix(path, "env:"); ok {
		data, set := os.LookupEnv(name)
		if !set || strings.TrimSpace(data) == "" {
			return nil, fmt.Errorf("config: environment variable %s is not set or empty", name)
		}
		return Parse(path, []byte(data))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes data (YAML, or JSON, which is YAML) read from file.
func Parse(file string, data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &Error{Problems: []Problem{syntaxProblem(file, err)}}
	}
	cfg := &Config{File: file}
	var problems []Problem
	if len(root.Content) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(cfg); err != nil {
			problems = append(problems, decodeProblems(file, &root, err)...)
		}
	}
	applyDefaults(cfg)
	for _, p := range validate(cfg) {
		p.File = file
		p.Line = locate(&root, p.Key)
		problems = append(problems, p)
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
		return nil, &Error{Problems: problems}
	}
	cfg.Warnings = warnings(cfg, &root)
	cfg.root = &root
	return cfg, nil
}

// warnings returns what is allowed but unwise.
func warnings(c *Config, root *yaml.Node) []Problem {
	var out []Problem
	for i, cl := range c.Clients {
		if cl.ClientSecret != "" && !isSecretRef(cl.ClientSecret) {
			key := fmt.Sprintf("clients[%d].client_secret", i)
			out = append(out, Problem{File: c.File, Line: locate(root, key), Key: key,
				Msg: "the secret is written in the config file; prefer env:NAME or file:PATH"})
		}
	}
	if ch := c.Signals.Challenge; ch.TokenSecret != "" && (ch.Captcha.Provider == "" || ch.Captcha.Provider == "puzzle") {
		key := "signals.challenge.captcha.provider"
		if ch.Captcha.Provider == "" {
			key = "signals.challenge.token_secret"
		}
		out = append(out, Problem{File: c.File, Line: locate(root, key), Key: key,
			Msg: "CAPTCHA rules use the built-in puzzle, a weak CAPTCHA that image recognition solves; set signals.challenge.captcha.provider to turnstile, hcaptcha or recaptcha"})
	}
	return out
}

// isSecretRef reports whether s names where a secret lives rather than
// being the secret.
func isSecretRef(s string) bool {
	for _, p := range [...]string{"env:", "file:", "aws-secretsmanager:"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

var (
	// typeRe matches the decoder's type errors, whose value (maybe a
	// secret under the wrong key) is never shown.
	typeRe    = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `[^`]*`)? into (\\S+)$")
	lineRe    = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownRe = regexp.MustCompile(`^field (\S+) not found in type config\.(\w+)$`)
)

// decodeProblems turns the decoder's errors into problems, naming unknown
// keys plainly.
func decodeProblems(file string, root *yaml.Node, err error) []Problem {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []Problem{syntaxProblem(file, err)}
	}
	out := make([]Problem, 0, len(te.Errors))
	for _, msg := range te.Errors {
		p := Problem{File: file, Msg: msg}
		if m := lineRe.FindStringSubmatch(msg); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Msg = m[2]
		}
		if m := unknownRe.FindStringSubmatch(p.Msg); m != nil {
			p.Key = m[1]
			if path := keyAtLine(root, p.Line); strings.HasSuffix(path, m[1]) {
				p.Key = path // the full path, e.g. upstream.timout
			}
			p.Msg = "unknown key (not a field of " + strings.ToLower(m[2]) + ")"
		} else if m := typeRe.FindStringSubmatch(p.Msg); m != nil {
			p.Key = keyAtLine(root, p.Line)
			p.Msg = "wrong type: a " + yamlKind(m[1]) + " where " + goKind(m[2]) + " is expected"
		}
		out = append(out, p)
	}
	return out
}

func syntaxProblem(file string, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := Problem{File: file, Msg: msg}
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Msg = m[2]
	}
	return p
}

// locate returns the line of the key at path ("a.b[2].c") in root, or of
// its nearest existing ancestor; 0 when none.
func locate(root *yaml.Node, path string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, part := range splitPath(path) {
		next, keyLine := child(n, part)
		if next == nil {
			break
		}
		n, line = next, keyLine
	}
	return line
}

// child returns the node for one path part (a key or an index) and the line
// where it appears.
func child(n *yaml.Node, part string) (*yaml.Node, int) {
	if i, err := strconv.Atoi(part); err == nil {
		if n.Kind == yaml.SequenceNode && i < len(n.Content) {
			return n.Content[i], n.Content[i].Line
		}
		return nil, 0
	}
	if n.Kind != yaml.MappingNode {
		return nil, 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == part {
			return n.Content[i+1], n.Content[i].Line
		}
	}
	return nil, 0
}

// splitPath splits "clients[0].refresh" into ["clients", "0", "refresh"].
func splitPath(path string) []string {
	path = strings.ReplaceAll(path, "[", ".")
	path = strings.ReplaceAll(path, "]", "")
	if path == "" {
		return nil
	}
	return strings.Split(path, ".")
}

// keyAtLine returns the dotted path of the key whose value starts on line,
// or "" when none does.
func keyAtLine(root *yaml.Node, line int) string {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	return findLine(n, "", line)
}

func findLine(n *yaml.Node, path string, line int) string {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if v.Line == line && v.Kind == yaml.ScalarNode || k.Line == line && v.Kind != yaml.ScalarNode {
				return p
			}
			if found := findLine(v, p, line); found != "" {
				return found
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if c.Line == line && c.Kind == yaml.ScalarNode {
				return p
			}
			if found := findLine(c, p, line); found != "" {
				return found
			}
		}
	}
	return ""
}

func yamlKind(tag string) string {
	switch tag {
	case "str":
		return "string"
	case "map":
		return "mapping"
	case "seq":
		return "list"
	case "int", "float":
		return "number"
	}
	return tag
}

func goKind(t string) string {
	switch {
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "float") || t == "time.Duration":
		return "a number or duration"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map"):
		return "a mapping"
	}
	return "a " + strings.TrimPrefix(t, "config.")
}

// At locates key (a dotted path such as "clients[0].client_secret") for an
// error found after loading, as "file:line: key", or "file: key" when the
// key is not in the file.
func (c *Config) At(key string) string {
	p := Problem{File: c.File, Key: key}
	if c.root != nil {
		p.Line = locate(c.root, key)
	}
	loc := p.File
	if p.Line > 0 {
		loc += ":" + strconv.Itoa(p.Line)
	}
	return loc + ": " + key
}
