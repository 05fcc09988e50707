package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// mutations are gremlins v0.6.0's token replacements per mutator (its
// internal/engine/mappings.go), as source text.
var mutations = map[string]map[string]string{
	"ARITHMETIC_BASE":       {"+": "-", "*": "/", "/": "*", "%": "*", "-": "+"},
	"CONDITIONALS_BOUNDARY": {">=": ">", ">": ">=", "<=": "<", "<": "<="},
	"CONDITIONALS_NEGATION": {"==": "!=", ">=": "<", ">": "<=", "<=": ">", "<": ">=", "!=": "=="},
	"INCREMENT_DECREMENT":   {"--": "++", "++": "--"},
	"INVERT_ASSIGNMENTS":    {"+=": "-=", "*=": "/=", "/=": "*=", "%=": "%=", "-=": "+="},
	"INVERT_BITWISE":        {"&": "|", "|": "&", "^": "&", "&^": "&", "<<": ">>", ">>": "<<"},
	"INVERT_BWASSIGN":       {"&=": "|=", "|=": "&=", "^=": "&=", "&^=": "&=", "<<=": ">>=", ">>=": "<<="},
	"INVERT_LOGICAL":        {"&&": "||", "||": "&&"},
	"INVERT_LOOPCTRL":       {"break": "continue", "continue": "break"},
	"INVERT_NEGATIVES":      {"-": "+"},
	"REMOVE_SELF_ASSIGNMENTS": {"+=": "=", "&=": "=", "&^=": "=", "*=": "=", "|=": "=", "/=": "=",
		"%=": "=", "<<=": "=", ">>=": "=", "-=": "=", "^=": "="},
}

// mutate returns line with the token at the 1-based byte column col
// replaced as mutator typ does, and whether a token of typ was there.
func mutate(line string, col int, typ string) (string, bool) {
	m := mutations[typ]
	if col < 1 || col > len(line) || m == nil {
		return line, false
	}
	rest := line[col-1:]
	// Longest token first: "&^=" before "&^" before "&".
	toks := make([]string, 0, len(m))
	for t := range m {
		toks = append(toks, t)
	}
	sort.Slice(toks, func(i, j int) bool {
		return len(toks[i]) > len(toks[j]) || len(toks[i]) == len(toks[j]) && toks[i] < toks[j]
	})
	for _, t := range toks {
		if strings.HasPrefix(rest, t) {
			return line[:col-1] + m[t] + rest[len(t):], true
		}
	}
	return line, false
}

// diff renders a surviving mutant as a one-line unified diff of its file.
func diff(m mutant) string {
	head := fmt.Sprintf("--- a/%s\n+++ b/%s (%s %s)\n@@ -%d +%d @@\n", m.file, m.file, m.status, m.typ, m.line, m.line)
	src, err := os.ReadFile(m.file)
	lines := strings.Split(string(src), "\n")
	if err != nil || m.line < 1 || m.line > len(lines) {
		return head + fmt.Sprintf("? %s:%d:%d (source not readable)\n", m.file, m.line, m.col)
	}
	old := lines[m.line-1]
	mutated, ok := mutate(old, m.col, m.typ)
	if !ok {
		return head + fmt.Sprintf("? %s:%d:%d: no %s token here (the source changed since the run)\n", m.file, m.line, m.col, m.typ)
	}
	return head + "-" + old + "\n+" + mutated + "\n"
}
