package analyze

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/rules/presets"
)

// AWS WAF's limits on a regex pattern set.
const (
	// MaxPatterns is how many regular expressions one set may hold.
	MaxPatterns = 10
	// MaxPatternLen is the longest regular expression AWS WAF accepts.
	MaxPatternLen = 200
)

// Allowlist is the operation allow list learned from traffic: the
// cognito-allowlist preset's regex pattern set, matching exactly the
// X-Amz-Target values of the operations kept.
type Allowlist struct {
	// PatternSet is the regex pattern set's name.
	PatternSet string
	// Allowed are the operations the set matches, sorted.
	Allowed []OpRow
	// Left are the operations seen but left out (IAM-signed or unknown,
	// unless included, or called fewer than the minimum times).
	Left []OpRow
	// Patterns are the set's regular expressions, anchored and escaped.
	Patterns []string
	// Why says, per allowed operation, why it is on the list.
	Why map[string]string
}

// AllowlistOptions tunes what Allowlist keeps.
type AllowlistOptions struct {
	// PatternSet names the set (presets.DefaultPatternSet if empty).
	PatternSet string
	// MinCalls drops operations called fewer times (at least 1).
	MinCalls int64
	// IncludeIAM keeps IAM-signed operations, which apps never send and
	// the proxy refuses by default.
	IncludeIAM bool
	// Refresh lists the refresh modes of the proxy's clients (get_tokens,
	// remember, raw_secret); empty means the default, get_tokens.
	Refresh []string
}

// Allowlist returns the allow list of the operations seen.
func (o *Operations) Allowlist(opts AllowlistOptions) (Allowlist, error) {
	a := Allowlist{PatternSet: cmp.Or(opts.PatternSet, presets.DefaultPatternSet)}
	a.Why = map[string]string{}
	for _, r := range o.Ops() {
		keep := r.Calls >= max(opts.MinCalls, 1) && r.Class != "unknown" && (opts.IncludeIAM || r.Class != cognito.IAM.String())
		if keep {
			a.Allowed = append(a.Allowed, r)
			a.Why[r.Operation] = fmt.Sprintf("clients called it %d times", r.Calls)
		} else {
			a.Left = append(a.Left, r)
		}
	}
	a.addProxyOperations(o, opts)
	if len(a.Allowed) == 0 {
		return a, fmt.Errorf("no operation to allow: %d Cognito calls seen, %d left out", o.Records-o.NoOperation, len(a.Left))
	}
	slices.SortFunc(a.Allowed, func(x, y OpRow) int { return strings.Compare(x.Operation, y.Operation) })
	names := make([]string, len(a.Allowed))
	for i, r := range a.Allowed {
		names[i] = r.Operation
	}
	var err error
	a.Patterns, err = TargetPatterns(names)
	return a, err
}

// addProxyOperations adds what the proxy itself sends upstream for the
// allowed operations, so that the list, loaded in the user pool's own web
// ACL, keeps sign-in, refresh and sign-out working: operations the log
// shows it sent in place of the client's, the refresh call of the clients'
// refresh mode, challenge answers after a sign-in, and token revocation.
func (a *Allowlist) addProxyOperations(o *Operations, opts AllowlistOptions) {
	add := func(op, why string) {
		if _, ok := a.Why[op]; ok {
			return
		}
		d, ok := cognito.Lookup(op)
		if !ok || d.Class == cognito.IAM && !opts.IncludeIAM {
			return // the pool's web ACL never sees IAM-signed calls
		}
		a.Allowed = append(a.Allowed, OpRow{Operation: op, Class: d.Class.String()})
		a.Why[op] = why
		a.Left = slices.DeleteFunc(a.Left, func(r OpRow) bool { return r.Operation == op })
	}
	for op, s := range o.upstream {
		add(op, fmt.Sprintf("the proxy sent it upstream %d times in place of a client's call", s.calls))
	}
	if _, signIn := a.Why["InitiateAuth"]; !signIn {
		return
	}
	modes := opts.Refresh
	if len(modes) == 0 {
		modes = []string{"get_tokens"}
	}
	for _, m := range modes {
		if m == "get_tokens" || m == "remember" {
			add("GetTokensFromRefreshToken", "the proxy sends refreshes (InitiateAuth REFRESH_TOKEN_AUTH) as this call (refresh: "+m+")")
		}
	}
	add("RespondToAuthChallenge", "answers to the challenges InitiateAuth returns (SRP password verifier, MFA codes, new password)")
	add("RevokeToken", "sign-out revokes the refresh token InitiateAuth issued")
}

// TargetPatterns returns anchored, escaped regular expressions matching
// exactly the X-Amz-Target values of ops: one per operation, as the "AWS Cognito security" write-up
// writes them, while they fit AWS's MaxPatterns; otherwise alternations
// packed into patterns of at most MaxPatternLen characters.
func TargetPatterns(ops []string) ([]string, error) {
	prefix := "^" + regexp.QuoteMeta(cognito.TargetPrefix)
	if len(ops) <= MaxPatterns {
		out := make([]string, len(ops))
		for i, op := range ops {
			out[i] = prefix + regexp.QuoteMeta(op) + "$"
		}
		return out, nil
	}
	var out []string
	var group []string
	flush := func() {
		if len(group) > 0 {
			out = append(out, prefix+"("+strings.Join(group, "|")+")$")
			group = group[:0]
		}
	}
	for _, op := range ops {
		q := regexp.QuoteMeta(op)
		if len(prefix)+len("()$")+len(strings.Join(append(group, q), "|")) > MaxPatternLen {
			flush()
		}
		group = append(group, q)
	}
	flush()
	if len(out) > MaxPatterns {
		return nil, fmt.Errorf("%d operations need %d patterns, more than AWS's %d per regex pattern set", len(ops), len(out), MaxPatterns)
	}
	return out, nil
}

// Config returns the poolguard config that enforces a: the
// cognito-allowlist preset and its pattern set, as YAML.
func (a Allowlist) Config() string {
	var b strings.Builder
	b.WriteString("waf:\n  presets:\n    - name: cognito-allowlist\n      params:\n")
	fmt.Fprintf(&b, "        PatternSet: %s\n", a.PatternSet)
	b.WriteString("  regex_pattern_sets:\n")
	fmt.Fprintf(&b, "    - name: %s\n      patterns:\n", a.PatternSet)
	for _, p := range a.Patterns {
		fmt.Fprintf(&b, "        - '%s'\n", strings.ReplaceAll(p, "'", "''"))
	}
	return b.String()
}

// CommentedConfig is Config with, above the patterns, a YAML comment per
// allowed operation saying why it is on the list. When the patterns are
// alternations (more than MaxPatterns operations), the comments name the
// operations before the patterns that hold them.
func (a Allowlist) CommentedConfig() string {
	var b strings.Builder
	b.WriteString("# poolguard waf config: the cognito-allowlist preset blocks every\n")
	b.WriteString("# Cognito operation its regex pattern set does not match.\n")
	b.WriteString("waf:\n  presets:\n    - name: cognito-allowlist\n      params:\n")
	fmt.Fprintf(&b, "        PatternSet: %s\n", a.PatternSet)
	b.WriteString("  regex_pattern_sets:\n")
	fmt.Fprintf(&b, "    - name: %s\n      patterns:\n", a.PatternSet)
	perOp := len(a.Patterns) == len(a.Allowed)
	if !perOp {
		for _, r := range a.Allowed {
			fmt.Fprintf(&b, "        # %s: %s\n", r.Operation, oneLine(a.Why[r.Operation]))
		}
	}
	for i, p := range a.Patterns {
		if perOp {
			r := a.Allowed[i]
			fmt.Fprintf(&b, "        # %s: %s\n", r.Operation, oneLine(a.Why[r.Operation]))
		}
		fmt.Fprintf(&b, "        - '%s'\n", strings.ReplaceAll(p, "'", "''"))
	}
	return b.String()
}

// oneLine keeps a reason on its comment line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// AWS returns the cognito-allowlist preset as AWS WAFv2 JSON with a's
// patterns in its regex pattern set.
func (a Allowlist) AWS(opts presets.Options) (presets.Preset, error) {
	p, err := presets.Generate("cognito-allowlist", map[string]any{"PatternSet": a.PatternSet}, opts)
	if err != nil {
		return p, err
	}
	for i := range p.RegexPatternSets {
		if p.RegexPatternSets[i].Name == a.PatternSet {
			list := make([]presets.Regex, len(a.Patterns))
			for j, re := range a.Patterns {
				list[j] = presets.Regex{RegexString: re}
			}
			p.RegexPatternSets[i].RegularExpressionList = list
		}
	}
	return p, nil
}
