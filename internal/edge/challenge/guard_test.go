package challenge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/waf"
)

// TestForgedPuzzleRefused: a puzzle whose text was changed (here to ask
// for no work at all) or whose signature is not the key's is refused.
func TestForgedPuzzleRefused(t *testing.T) {
	h := newHarness(t, nil)
	vr := h.solveChallenge(t, "192.0.2.10")
	body, sig, _ := strings.Cut(vr.Puzzle, ".")
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		t.Fatal(err)
	}
	raw[9] = 0 // zero bits: any counter solves it
	easy := base64.RawURLEncoding.EncodeToString(raw) + "." + sig
	otherKey := bytes.Repeat([]byte("k"), MinKeyLen)
	resigned := body + "." + mac(otherKey, "puzzle", body)
	for name, puzzle := range map[string]string{"changed text": easy, "other key": resigned, "no signature": body} {
		w := h.do("POST", Prefix+"/verify", "192.0.2.10", verifyRequest{Puzzle: puzzle, Counter: Solve(puzzle, 8)})
		if w.Code != 403 || !strings.Contains(w.Body.String(), "invalid puzzle") {
			t.Errorf("%s: %d %s", name, w.Code, w.Body)
		}
	}
}

// TestSignedTextsOfWrongLength: a puzzle or token whose text carries the
// key's signature but is not the length this version writes is refused.
func TestSignedTextsOfWrongLength(t *testing.T) {
	for _, n := range []int{0, 5, 1 + 8 + 1 + 16 + bindLen - 1, 1 + 8 + 1 + 16 + bindLen + 1} {
		body := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{1}, n))
		if _, ok := parsePuzzle(testKey, body+"."+mac(testKey, "puzzle", body)); ok {
			t.Errorf("a signed puzzle of %d bytes read", n)
		}
	}
	for _, n := range []int{0, 5, claimsLen - 1, claimsLen + 1} {
		body := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{1}, n))
		if _, ok := parse(testKey, tokenVersion+"."+body+"."+mac(testKey, "token", body)); ok {
			t.Errorf("a signed token of %d bytes read", n)
		}
	}
}

// TestTokenVersionAndRoundTrip: parse reads back every claim sign wrote,
// and only under the current version prefix (the signature covers the
// body, so the prefix is checked on its own).
func TestTokenVersionAndRoundTrip(t *testing.T) {
	c := &claims{challengeAt: 1_700_000_000, captchaAt: 1_700_000_100}
	copy(c.bind[:], "0123456789abcdef")
	copy(c.nonce[:], "nonce-08")
	tok := sign(testKey, c)
	got, ok := parse(testKey, tok)
	if !ok || *got != *c {
		t.Fatalf("parse(sign(c)) = %+v, %v; want %+v", got, ok, c)
	}
	_, rest, _ := strings.Cut(tok, ".")
	for _, v := range []string{"pg0", "pg2", "", "PG1"} {
		if _, ok := parse(testKey, v+"."+rest); ok {
			t.Errorf("version %q read", v)
		}
	}
}

// TestCounterLengthBound: a counter longer than 20 digits (the longest
// uint64) is refused even when its hash has the work, so zero-padding
// cannot stretch what one puzzle hashes.
func TestCounterLengthBound(t *testing.T) {
	for n := 0; n < 1000; n++ {
		c := fmt.Sprintf("%021d", n)
		sum := sha256.Sum256([]byte("text:" + c))
		if zeroBits(sum[:]) >= 1 {
			if solved("text", c, 1) {
				t.Fatalf("a 21-digit counter %s accepted", c)
			}
			return
		}
	}
	t.Fatal("no 21-digit counter with the work among the first 1000")
}

// TestSpentSweep: the used-puzzle memory is swept only beyond 4096
// entries and at most once a second, and a sweep forgets only puzzles
// that have expired: a puzzle stays spent through its last second.
func TestSpentSweep(t *testing.T) {
	s := &spent{seen: map[[16]byte]int64{}}
	nonce := func(tag string, i int) (n [16]byte) {
		copy(n[:], tag)
		binary.BigEndian.PutUint64(n[8:], uint64(i))
		return n
	}
	fill := func(tag string) {
		for i := range 4096 {
			s.seen[nonce(tag, i)] = 10 // expired from 11 on
		}
	}
	fill("old-a")
	a, b, c := nonce("a", 0), nonce("b", 0), nonce("c", 0)
	if !s.use(a, 50, 400) || len(s.seen) != 4097 {
		t.Fatalf("with 4096 entries: %d remembered, want 4097 (no sweep)", len(s.seen))
	}
	if !s.use(b, 50, 400) || len(s.seen) != 2 {
		t.Fatalf("beyond 4096 entries: %d remembered, want 2 (expired ones swept)", len(s.seen))
	}
	fill("old-b")
	if !s.use(c, 50, 1000) || len(s.seen) != 4099 {
		t.Fatalf("second sweep in one second: %d remembered, want 4099 (no sweep)", len(s.seen))
	}
	fill("old-c")
	if s.use(a, 400, 400) || s.use(b, 400, 400) || s.use(c, 400, 1000) {
		t.Fatal("a puzzle was forgotten before its expiry ended")
	}
	if len(s.seen) != 3 {
		t.Fatalf("after the sweep at 400: %d remembered, want 3", len(s.seen))
	}
}

// TestUsedPuzzleRememberedUntilExpiry: a solved puzzle is remembered as
// spent until the end of its lifetime, its issue time plus five minutes.
func TestUsedPuzzleRememberedUntilExpiry(t *testing.T) {
	h := newHarness(t, nil)
	vr := h.solveChallenge(t, "192.0.2.10")
	if w := h.do("POST", Prefix+"/verify", "192.0.2.10", vr); w.Code != 200 {
		t.Fatalf("verify: %d %s", w.Code, w.Body)
	}
	p, _ := parsePuzzle(testKey, vr.Puzzle)
	if got, want := h.s.spent.seen[p.nonce], t0.Add(5*time.Minute).Unix(); got != want {
		t.Errorf("spent until %d, want %d (issue time + 5 min)", got, want)
	}
}

// failingVerifier is a CAPTCHA provider that fails or refuses.
type failingVerifier struct{ err error }

func (failingVerifier) Widget([]byte) (template.HTML, string) { return "", "" }
func (v failingVerifier) Verify(context.Context, []byte, string, string, string) (bool, error) {
	return false, v.err
}
func (failingVerifier) ScriptOrigins() []string { return nil }

// TestVerifierFailureLogged: a provider failure is logged; a wrong answer
// is not a failure and is not.
func TestVerifierFailureLogged(t *testing.T) {
	for _, err := range []error{fmt.Errorf("site-verify: 503"), nil} {
		h := newHarness(t, failingVerifier{err})
		var buf bytes.Buffer
		scfg := h.s.cfg
		scfg.Log = slog.New(slog.NewTextHandler(&buf, nil)) // through New: it keeps the Log it is given
		s, nerr := New(scfg)
		if nerr != nil {
			t.Fatal(nerr)
		}
		h.s = s
		w := h.do("GET", Prefix+"?kind=captcha", "192.0.2.10", nil)
		m := pageConfig.FindStringSubmatch(w.Body.String())
		if m == nil {
			t.Fatal("no config in the CAPTCHA page")
		}
		var cfg struct {
			Puzzle string
			Bits   int
		}
		_ = json.Unmarshal([]byte(m[1]), &cfg)
		w = h.do("POST", Prefix+"/verify", "192.0.2.10", verifyRequest{Puzzle: cfg.Puzzle, Counter: Solve(cfg.Puzzle, cfg.Bits), Response: "x"})
		if w.Code != 403 {
			t.Errorf("err %v: %d", err, w.Code)
		}
		if logged := strings.Contains(buf.String(), "CAPTCHA verifier failed"); logged != (err != nil) {
			t.Errorf("err %v: logged %q", err, buf.String())
		}
	}
}

// TestTokenCookieSecureOverTLS: the token cookie is Secure when the
// request came over TLS (so it never leaves over plain HTTP afterwards).
func TestTokenCookieSecureOverTLS(t *testing.T) {
	for _, secure := range []bool{true, false} {
		h := newHarness(t, nil)
		vr := h.solveChallenge(t, "192.0.2.10")
		b, _ := json.Marshal(vr)
		r := httptest.NewRequest("POST", Prefix+"/verify", bytes.NewReader(b))
		if secure {
			r.TLS = &tls.ConnectionState{}
		}
		r.Header.Set("X-Test-IP", "192.0.2.10")
		r.Header.Set("User-Agent", ua)
		w := httptest.NewRecorder()
		h.s.ServeHTTP(w, r)
		c := w.Result().Cookies()
		if w.Code != 200 || len(c) != 1 || c[0].Secure != secure {
			t.Errorf("TLS %v: %d, cookies %+v", secure, w.Code, c)
		}
	}
}

// respondPage has Respond answer a browser's request and returns the
// page's headers and config.
func respondPage(t *testing.T, h *harness, method, target string, kind waf.Action) (*httptest.ResponseRecorder, string) {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	r.Header.Set("Accept", "text/html")
	r.Header.Set("X-Test-IP", "192.0.2.10")
	r.Header.Set("User-Agent", ua)
	w := httptest.NewRecorder()
	if !h.s.Respond(w, r, kind) {
		t.Fatal("a browser got no page")
	}
	var cfg struct{ Return string }
	if m := pageConfig.FindStringSubmatch(w.Body.String()); m == nil || json.Unmarshal([]byte(m[1]), &cfg) != nil {
		t.Fatalf("no config in the page:\n%s", w.Body)
	}
	return w, cfg.Return
}

// TestRespondReturnPath: the page sends the browser back to the path it
// asked for, with the query of a GET (a POST's query is not replayed),
// and adds no "?" to a path that had none.
func TestRespondReturnPath(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct{ method, target, want string }{
		{"GET", "/login?client_id=x", "/login?client_id=x"},
		{"GET", "/login", "/login"},
		{"POST", "/login?client_id=x", "/login"},
	} {
		if _, got := respondPage(t, h, tc.method, tc.target, waf.ActionChallenge); got != tc.want {
			t.Errorf("%s %s: return %q, want %q", tc.method, tc.target, got, tc.want)
		}
	}
}

// TestPageKinds: only the CAPTCHA page carries the human step (its form
// and title); the CSP allows frames only from a provider's origins, none
// for the built-in puzzle.
func TestPageKinds(t *testing.T) {
	h := newHarness(t, nil)
	w, _ := respondPage(t, h, "GET", "/login", waf.ActionChallenge)
	if strings.Contains(w.Body.String(), `id="pg-form"`) || !strings.Contains(w.Body.String(), "Checking your browser") {
		t.Errorf("challenge page shows the human step:\n%s", w.Body)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src 'none';") {
		t.Errorf("challenge page CSP: %s", csp)
	}
	w, _ = respondPage(t, h, "GET", "/login", waf.ActionCaptcha)
	if !strings.Contains(w.Body.String(), `id="pg-form"`) || !strings.Contains(w.Body.String(), "Confirm you are human") {
		t.Errorf("CAPTCHA page lacks the human step:\n%s", w.Body)
	}
	sv, err := NewSiteVerify("turnstile", "site", "secret")
	if err != nil {
		t.Fatal(err)
	}
	w, _ = respondPage(t, newHarness(t, sv), "GET", "/login", waf.ActionCaptcha)
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src https://challenges.cloudflare.com;") {
		t.Errorf("site-verify page CSP: %s", csp)
	}
}

// TestPuzzleCodeLength: the built-in puzzle's code is five digits: no
// one-digit answer passes.
func TestPuzzleCodeLength(t *testing.T) {
	p := &Puzzle{Key: testKey}
	nonce := []byte("0123456789abcdef")
	for range 3 {
		_, state := p.Widget(nonce)
		for d := range 10 {
			if ok, _ := p.Verify(t.Context(), nonce, state, fmt.Sprint(d), ""); ok {
				t.Fatalf("the one-digit answer %d passed", d)
			}
		}
	}
}

// TestNewSiteVerifyNeedsKeyAndSecret: a hosted CAPTCHA needs both its site
// key and its secret.
func TestNewSiteVerifyNeedsKeyAndSecret(t *testing.T) {
	for _, kv := range [][2]string{{"site", ""}, {"", "secret"}, {"", ""}} {
		if _, err := NewSiteVerify("turnstile", kv[0], kv[1]); err == nil {
			t.Errorf("site key %q, secret %q accepted", kv[0], kv[1])
		}
	}
}

// TestDrawCodeStrokes: every digit of the code is drawn as one stroke per
// pixel of its glyph, other characters are skipped, and the picture adds
// half as many noise strokes and two lines across.
func TestDrawCodeStrokes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	glyphPixels := func(d int) int {
		n := 0
		for _, row := range digitFont[d] {
			n += strings.Count(row, "#")
		}
		return n
	}
	cells := glyphPixels(0) + glyphPixels(1) + glyphPixels(9)
	svg := drawCode("0a19", rng.IntN)
	if got, want := strings.Count(svg, "<path "), cells+cells/2+2; got != want {
		t.Errorf("%d strokes, want %d (%d glyph pixels)", got, want, cells)
	}
}

// TestSpentBound: at most maxSpent used puzzles are remembered; when that
// many are unexpired, further answers are refused rather than the memory
// grown.
func TestSpentBound(t *testing.T) {
	s := &spent{seen: make(map[[16]byte]int64, maxSpent)}
	var n [16]byte
	for i := range maxSpent - 1 {
		binary.BigEndian.PutUint64(n[:], uint64(i))
		s.seen[n] = 100
	}
	// At time 0 (no sweep: lastSweep is 0 too) nothing has expired.
	if !s.use([16]byte{'l', 'a', 's', 't'}, 0, 100) {
		t.Fatal("the last free place refused")
	}
	if s.use([16]byte{'f', 'u', 'l', 'l'}, 0, 100) || len(s.seen) != maxSpent {
		t.Fatalf("%d remembered, bound %d", len(s.seen), maxSpent)
	}
}

// TestDrawCodeGrid: with every random draw at the middle of its range (no
// rotation, shear, jitter or offset), the picture is the code's glyphs
// left to right, one 5.4 × 6.4 stroke per glyph pixel, the first digit
// centred at x 17 and the next ones 35 further each, all at y 32; the
// noise strokes are the same size, and the two lines run across at y 32.
func TestDrawCodeGrid(t *testing.T) {
	mid := func(n int) int { return n / 2 }
	rect := func(x, y, w, h float64) string {
		return fmt.Sprintf(`<path d="M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ" fill="%s"/>`,
			x, y, x+w, y, x+w, y+h, x, y+h, inkPalette[len(inkPalette)/2])
	}
	const code = "40917"
	want := map[string]int{}
	cells := 0
	for k, c := range code {
		cx := 17 + 35*float64(k)
		for row, line := range digitFont[c-'0'] {
			for col, px := range line {
				if px == '#' {
					want[rect(cx+(float64(col)-2.5)*5.4, 32+(float64(row)-3.5)*6.4, 5.4, 6.4)]++
					cells++
				}
			}
		}
	}
	want[rect(100, 32, 5.4, 6.4)] += cells / 2
	want[fmt.Sprintf(`<path d="M0.0 32.0L200.0 32.0L200.0 33.0L0.0 33.0Z" fill="%s"/>`, inkPalette[len(inkPalette)/2])] += 2
	svg := drawCode(code, mid)
	got := map[string]int{}
	for _, p := range strings.SplitAfter(svg, "/>")[1:] { // after the background
		if strings.HasPrefix(p, "<path ") {
			got[p]++
		}
	}
	for p, n := range want {
		if got[p] != n {
			t.Errorf("%d of %s, want %d", got[p], p, n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d distinct strokes, want %d:\n%s", len(got), len(want), svg)
	}
}

// TestDrawCodeOrderShuffled: strokes come in a random order, so the
// document order tells nothing (unshuffled, the two lines across would
// always be last).
func TestDrawCodeOrderShuffled(t *testing.T) {
	// A line across starts at x 0 and goes to x 200, each ±1 of jitter.
	isLine := func(stroke string) bool {
		var x0, y0, x1 float64
		_, err := fmt.Sscanf(stroke, `<path d="M%f %fL%f`, &x0, &y0, &x1)
		return err == nil && x0 >= -1 && x0 <= 1 && x1 >= 199 && x1 <= 201
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		strokes := strings.SplitAfter(drawCode("12345", rng.IntN), "/>")
		strokes = strokes[1 : len(strokes)-1] // the background; "</svg>"
		if n := len(strokes); !isLine(strokes[n-2]) || !isLine(strokes[n-1]) {
			return // a drawing whose last two strokes are not both lines
		}
	}
	t.Fatal("20 drawings end with the two lines across: no shuffle")
}

// TestDrawCodeTransform: at the top of every random range, a glyph pixel
// is its cell (6.4 × 7.4) sheared by 0.3 and turned by 0.4 rad about its
// digit's centre (x 20, then 38 further each; y 37), each corner moved by
// +1 on both axes; a noise stroke is a 6.2 × 7.2 cell turned by 0.6 rad at
// (200, 64); the lines run across at y 60.
func TestDrawCodeTransform(t *testing.T) {
	top := func(n int) int { return n - 1 }
	type quad [4][2]float64
	var want []quad
	const code = "2580"
	turn := func(cx, cy, a, shear, u, v float64) [2]float64 {
		u += shear * v
		return [2]float64{cx + u*math.Cos(a) - v*math.Sin(a) + 1, cy + u*math.Sin(a) + v*math.Cos(a) + 1}
	}
	cells := 0
	for k, c := range code {
		cx := 20 + 38*float64(k)
		for row, line := range digitFont[c-'0'] {
			for col, px := range line {
				if px != '#' {
					continue
				}
				u, v := (float64(col)-2.5)*6.4, (float64(row)-3.5)*7.4
				want = append(want, quad{turn(cx, 37, 0.4, 0.3, u, v), turn(cx, 37, 0.4, 0.3, u+6.4, v),
					turn(cx, 37, 0.4, 0.3, u+6.4, v+7.4), turn(cx, 37, 0.4, 0.3, u, v+7.4)})
				cells++
			}
		}
	}
	for range cells / 2 {
		want = append(want, quad{turn(200, 64, 0.6, 0, 0, 0), turn(200, 64, 0.6, 0, 6.2, 0),
			turn(200, 64, 0.6, 0, 6.2, 7.2), turn(200, 64, 0.6, 0, 0, 7.2)})
	}
	for range 2 {
		want = append(want, quad{{1, 61}, {201, 61}, {201, 62}, {1, 62}})
	}
	var got []quad
	for _, p := range strings.SplitAfter(drawCode(code, top), "/>")[1:] {
		var q quad
		if _, err := fmt.Sscanf(p, `<path d="M%f %fL%f %fL%f %fL%f %fZ"`,
			&q[0][0], &q[0][1], &q[1][0], &q[1][1], &q[2][0], &q[2][1], &q[3][0], &q[3][1]); err == nil {
			got = append(got, q)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d strokes, want %d", len(got), len(want))
	}
	near := func(a, b quad) bool { // the picture rounds to 0.1
		for i := range a {
			if math.Abs(a[i][0]-b[i][0]) > 0.051 || math.Abs(a[i][1]-b[i][1]) > 0.051 {
				return false
			}
		}
		return true
	}
	used := make([]bool, len(got))
next:
	for _, w := range want {
		for i, g := range got {
			if !used[i] && near(w, g) {
				used[i] = true
				continue next
			}
		}
		t.Errorf("no stroke at %.2f", w)
	}
}
