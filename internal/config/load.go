package config

import (
	"fmt"
	"os"
	"reflect"
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
	// Column is the 1-based column of the offending key or value, 0 when
	// unknown. String leaves it out, so that messages stay "file:line:".
	Column int
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

// Parse decodes data (YAML, or JSON, which is YAML) read from file: the
// YAML tree is walked once into the typed Config (decode.go), so a value
// that is there is already parsed, then defaults are applied and the
// cross-key rules checked. Every problem is reported, in line order.
func Parse(file string, data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &Error{Problems: []Problem{syntaxProblem(file, err)}}
	}
	cfg := &Config{File: file}
	d := &decoder{file: file}
	if doc := document(&root); doc != nil {
		d.value(doc, reflect.ValueOf(cfg).Elem(), "")
	}
	problems := d.problems
	applyDefaults(cfg)
	for _, p := range validate(cfg) {
		if d.covers(p.Key) {
			continue // already reported: the value did not decode
		}
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

// document returns the top node of a parsed document, nil when empty.
func document(root *yaml.Node) *yaml.Node {
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		return root.Content[0]
	}
	return nil
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
	if ch := c.Signals.Challenge; ch.TokenSecret != "" && !ch.Captcha.Provider.External() {
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
