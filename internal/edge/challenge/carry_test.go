package challenge

import (
	"context"
	"encoding/json"
	"html/template"
	"regexp"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/rules/waf"
)

// anyAnswer is a CAPTCHA verifier that accepts every answer, so that a
// test controls who solves a CAPTCHA without typing digits.
type anyAnswer struct{}

func (anyAnswer) Widget([]byte) (template.HTML, string) { return "", "" }
func (anyAnswer) Verify(context.Context, []byte, string, string, string) (bool, error) {
	return true, nil
}
func (anyAnswer) ScriptOrigins() []string { return nil }

var pageConfig = regexp.MustCompile(`<script id="pg-cfg" type="application/json" nonce="[^"]+">(.*?)</script>`)

// solveCaptcha fetches the CAPTCHA page as ip, solves its puzzle and
// returns the token the verify endpoint gives, sending cookie (a token)
// along when it is not empty.
func (h *harness) solveCaptcha(t *testing.T, ip, cookie string) string {
	t.Helper()
	w := h.do("GET", Prefix+"?kind=captcha", ip, nil)
	m := pageConfig.FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("no config in the CAPTCHA page: %d", w.Code)
	}
	var cfg struct {
		Puzzle, State string
		Bits          int
	}
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatal(err)
	}
	return h.verifyToken(t, ip, verifyRequest{cfg.Puzzle, Solve(cfg.Puzzle, cfg.Bits), cfg.State, "yes"}, cookie)
}

// verifyToken posts vr to the verify endpoint as ip (with cookie as the
// token cookie when not empty) and returns the token it answers.
func (h *harness) verifyToken(t *testing.T, ip string, vr verifyRequest, cookie string) string {
	t.Helper()
	var hdr []string
	if cookie != "" {
		hdr = []string{"Cookie", CookieName + "=" + cookie}
	}
	w := h.do("POST", Prefix+"/verify", ip, vr, hdr...)
	var out struct{ Token string }
	if err := json.Unmarshal(w.Body.Bytes(), &out); w.Code != 200 || err != nil || out.Token == "" {
		t.Fatalf("verify as %s: %d %s", ip, w.Code, w.Body)
	}
	return out.Token
}

// TestChallengeSolveKeepsOnlyOwnCaptcha: solving a challenge keeps the
// CAPTCHA time of the client's own earlier token, never the CAPTCHA time
// of a token that another client (another address range or User-Agent)
// solved, sent along in the cookie.
func TestChallengeSolveKeepsOnlyOwnCaptcha(t *testing.T) {
	h := newHarness(t, anyAnswer{})
	const a, b = "192.0.2.10", "203.0.113.7"
	capA := h.solveCaptcha(t, a, "")
	if _, st := h.solved(capA, a, ua, waf.ActionCaptcha); st != waf.TokenValid {
		t.Fatalf("A's CAPTCHA token: %v", st)
	}

	own := h.verifyToken(t, a, h.solveChallenge(t, a), capA)
	if at, st := h.solved(own, a, ua, waf.ActionCaptcha); st != waf.TokenValid || !at.Equal(t0) {
		t.Errorf("A's challenge solve lost A's own CAPTCHA: %v at %v", st, at)
	}

	borrowed := h.verifyToken(t, b, h.solveChallenge(t, b), capA)
	if _, st := h.solved(borrowed, b, ua, waf.ActionChallenge); st != waf.TokenValid {
		t.Errorf("B's challenge token: %v", st)
	}
	if at, st := h.solved(borrowed, b, ua, waf.ActionCaptcha); st != waf.TokenMissing {
		t.Errorf("B's token carries A's CAPTCHA solve: %v at %v", st, at)
	}
}

// TestVerifyRefusesUnsolvedNumericCounter: a numeric counter that does not
// solve the puzzle is refused like a non-numeric one, and spends nothing:
// the right counter still works afterwards.
func TestVerifyRefusesUnsolvedNumericCounter(t *testing.T) {
	h := newHarness(t, nil)
	vr := h.solveChallenge(t, "192.0.2.10")
	bad := vr
	bad.Counter = unsolvedCounter(t, vr.Puzzle, 8)
	if w := h.do("POST", Prefix+"/verify", "192.0.2.10", bad); w.Code != 403 || !strings.Contains(w.Body.String(), "proof of work") {
		t.Errorf("unsolved counter %s: %d %s", bad.Counter, w.Code, w.Body)
	}
	h.verifyToken(t, "192.0.2.10", vr, "")
}
