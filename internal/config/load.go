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
// Any error is an *Error listing every problem, or an I/O error.
func Load(path string) (*Config, error) {
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
			problems = append(problems, decodeProblems(file, err)...)
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
	return cfg, nil
}

// warnings returns what is allowed but unwise.
func warnings(c *Config, root *yaml.Node) []Problem {
	var out []Problem
	for i, cl := range c.Clients {
		if cl.ClientSecret != "" && !strings.HasPrefix(cl.ClientSecret, "env:") && !strings.HasPrefix(cl.ClientSecret, "file:") && !strings.Contains(cl.ClientSecret, ":") {
			key := fmt.Sprintf("clients[%d].client_secret", i)
			out = append(out, Problem{File: c.File, Line: locate(root, key), Key: key,
				Msg: "the secret is written in the config file; prefer env:NAME or file:PATH"})
		}
	}
	return out
}

var (
	lineRe    = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownRe = regexp.MustCompile(`^field (\S+) not found in type config\.(\w+)$`)
)

// decodeProblems turns the decoder's errors into problems, naming unknown
// keys plainly.
func decodeProblems(file string, err error) []Problem {
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
			p.Msg = "unknown key (not a field of " + strings.ToLower(m[2]) + ")"
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
