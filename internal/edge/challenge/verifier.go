package challenge

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Verifier is the human step of a CAPTCHA. Implementations must be safe
// for concurrent use.
type Verifier interface {
	// Widget returns the HTML of the human step for the puzzle with the
	// given nonce, and an opaque state the page posts back with the
	// answer. The widget must call the page's pgAnswer(response) function
	// (or fill an input named "captcha") when the human is done.
	Widget(nonce []byte) (widget template.HTML, state string)
	// Verify reports whether response answers the widget (a typed answer
	// or a provider's response token). err is for a provider failure.
	Verify(ctx context.Context, nonce []byte, state, response, remoteIP string) (bool, error)
	// ScriptOrigins lists the origins the widget loads scripts and frames
	// from, for the page's Content-Security-Policy.
	ScriptOrigins() []string
}

// Puzzle is the built-in verifier: a distorted code drawn as SVG that the
// human types. The answer is checked statelessly: the state is an HMAC of
// the nonce and the code under the service key. It is a weak CAPTCHA: it
// has no structural tells a page-reading script can use (see drawCode),
// but image recognition reads it. Use a SiteVerify provider where a human
// check matters; the proxy warns when the puzzle is in use.
type Puzzle struct {
	// Key is the HMAC key (the service sets its token key).
	Key []byte
	// Code returns the code to draw; nil draws 5 random digits. Tests set
	// it to know the answer.
	Code func() string
}

// Widget implements Verifier.
func (p *Puzzle) Widget(nonce []byte) (template.HTML, string) {
	code := ""
	if p.Code != nil {
		code = p.Code()
	} else {
		for range 5 {
			code += strconv.Itoa(cryptoIntn(10))
		}
	}
	img := base64.StdEncoding.EncodeToString([]byte(drawCode(code, cryptoIntn)))
	html := `<img id="pg-puzzle" alt="Type the digits in this picture" width="200" height="64" src="data:image/svg+xml;base64,` + img + `">` +
		`<label>Digits: <input id="pg-captcha" name="captcha" autocomplete="off" inputmode="numeric" maxlength="8" required></label>` +
		`<button id="pg-submit" type="submit">Continue</button>`
	return template.HTML(html), mac(p.Key, "puzzle-answer", string(nonce)+"\x00"+code)
}

// Verify implements Verifier.
func (p *Puzzle) Verify(_ context.Context, nonce []byte, state, response, _ string) (bool, error) {
	response = strings.TrimSpace(response)
	if response == "" || len(response) > 16 {
		return false, nil
	}
	want := mac(p.Key, "puzzle-answer", string(nonce)+"\x00"+response)
	return hmac.Equal([]byte(want), []byte(state)), nil
}

// ScriptOrigins implements Verifier.
func (p *Puzzle) ScriptOrigins() []string { return nil }

// digitFont is a 5×7 bitmap font for the digits.
var digitFont = [10][7]string{
	{".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."},
	{"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."},
	{".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"},
	{"####.", "....#", "....#", ".###.", "....#", "....#", "####."},
	{"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."},
	{"#####", "#....", "####.", "....#", "....#", "#...#", ".###."},
	{".###.", "#....", "#....", "####.", "#...#", "#...#", ".###."},
	{"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."},
	{".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},
	{".###.", "#...#", "#...#", ".####", "....#", "....#", ".###."},
}

// drawCode renders code as an SVG of small quadrilaterals for a human to
// read. It has none of the structural tells a script reads without OCR:
// digit and noise strokes are the same element, drawn from the same
// palette at the same sizes, in a shuffled order with no grouping; each
// digit is scaled, rotated, sheared and placed at random, and every corner
// of every stroke is jittered, so no stroke sits on a grid a bitmap font
// could be matched against. It still stops only scripts that read the
// page, not image recognition: it is a weak CAPTCHA (docs/signals.md);
// deploy a hosted one (SiteVerify) where a human check matters. rnd(n)
// returns a uniform integer in [0, n).
func drawCode(code string, rnd func(n int) int) string {
	var elems []string
	unit := func() float64 { return float64(rnd(1001)) / 1000 } // [0, 1]
	span := func(lo, hi float64) float64 { return lo + (hi-lo)*unit() }
	quad := func(pts [4][2]float64) string {
		var b strings.Builder
		for i, p := range pts {
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&b, "%s%.1f %.1f", cmd, p[0]+span(-1, 1), p[1]+span(-1, 1))
		}
		return fmt.Sprintf(`<path d="%sZ" fill="%s"/>`, b.String(), inkPalette[rnd(len(inkPalette))])
	}
	cells := 0
	cx := span(14, 20) // digits at uneven steps: no fixed slots
	for _, c := range code {
		if c < '0' || c > '9' {
			continue
		}
		cw, ch := span(4.4, 6.4), span(5.4, 7.4) // cell size
		angle, shear := span(-0.4, 0.4), span(-0.3, 0.3)
		cy := 32 + span(-5, 5)
		sin, cos := math.Sin(angle), math.Cos(angle)
		at := func(u, v float64) [2]float64 { // digit space (centred) to picture
			u += shear * v
			return [2]float64{cx + u*cos - v*sin, cy + u*sin + v*cos}
		}
		for row, line := range digitFont[c-'0'] {
			for col, px := range line {
				if px != '#' {
					continue
				}
				u, v := (float64(col)-2.5)*cw, (float64(row)-3.5)*ch
				elems = append(elems, quad([4][2]float64{at(u, v), at(u+cw, v), at(u+cw, v+ch), at(u, v+ch)}))
				cells++
			}
		}
		cx += span(32, 38)
	}
	for range cells / 2 { // noise strokes, like the digits' own
		cx, cy, w, h, a := span(0, 200), span(0, 64), span(4.6, 6.2), span(5.6, 7.2), span(-0.6, 0.6)
		sin, cos := math.Sin(a), math.Cos(a)
		at := func(u, v float64) [2]float64 { return [2]float64{cx + u*cos - v*sin, cy + u*sin + v*cos} }
		elems = append(elems, quad([4][2]float64{at(0, 0), at(w, 0), at(w, h), at(0, h)}))
	}
	for range 2 { // thin strokes across, in the same colours
		y0, y1 := span(4, 60), span(4, 60)
		elems = append(elems, quad([4][2]float64{{0, y0}, {200, y1}, {200, y1 + 1}, {0, y0 + 1}}))
	}
	for i := len(elems) - 1; i > 0; i-- { // Fisher-Yates: no order to read
		j := rnd(i + 1)
		elems[i], elems[j] = elems[j], elems[i]
	}
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="200" height="64" viewBox="0 0 200 64"><rect width="200" height="64" fill="#f4f1ea"/>`)
	for _, e := range elems {
		b.WriteString(e)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// inkPalette is the colours of every stroke, digit and noise alike.
var inkPalette = [...]string{"#2b2a26", "#3d3a33", "#4a463d", "#5c574c"}

// cryptoIntn returns a uniform integer in [0, n) from crypto/rand.
func cryptoIntn(n int) int {
	v, _ := rand.Int(rand.Reader, big.NewInt(int64(n)))
	return int(v.Int64())
}

// SiteVerify is a hosted CAPTCHA checked with its site-verify API:
// Cloudflare Turnstile, hCaptcha or Google reCAPTCHA (v2), which share one
// protocol (POST secret, response and remoteip; JSON {"success": bool}).
type SiteVerify struct {
	// Provider is "turnstile", "hcaptcha" or "recaptcha".
	Provider string
	// SiteKey is the public key the widget shows; Secret the server key.
	SiteKey, Secret string
	// VerifyURL overrides the provider's site-verify URL (tests).
	VerifyURL string
	// Client sends the verification; a client with a 10 s timeout when nil.
	Client *http.Client
}

// siteProviders are the widget and API details of each provider.
var siteProviders = map[string]struct {
	script, class, verify string
	origins               []string
}{
	"turnstile": {"https://challenges.cloudflare.com/turnstile/v0/api.js", "cf-turnstile",
		"https://challenges.cloudflare.com/turnstile/v0/siteverify", []string{"https://challenges.cloudflare.com"}},
	"hcaptcha": {"https://js.hcaptcha.com/1/api.js", "h-captcha",
		"https://api.hcaptcha.com/siteverify", []string{"https://hcaptcha.com", "https://*.hcaptcha.com"}},
	"recaptcha": {"https://www.google.com/recaptcha/api.js", "g-recaptcha",
		"https://www.google.com/recaptcha/api/siteverify", []string{"https://www.google.com", "https://www.gstatic.com"}},
}

// NewSiteVerify returns the verifier for provider, or an error naming the
// valid providers.
func NewSiteVerify(provider, siteKey, secret string) (*SiteVerify, error) {
	if _, ok := siteProviders[provider]; !ok {
		return nil, fmt.Errorf("unknown CAPTCHA provider %q (valid: puzzle, turnstile, hcaptcha, recaptcha)", provider)
	}
	if siteKey == "" || secret == "" {
		return nil, fmt.Errorf("CAPTCHA provider %s needs a site key and a secret", provider)
	}
	return &SiteVerify{Provider: provider, SiteKey: siteKey, Secret: secret}, nil
}

// Widget implements Verifier.
func (s *SiteVerify) Widget([]byte) (template.HTML, string) {
	p := siteProviders[s.Provider]
	return template.HTML(fmt.Sprintf(`<div class="%s" data-sitekey="%s" data-callback="pgAnswer"></div><script src="%s" async defer></script>`,
		p.class, template.HTMLEscapeString(s.SiteKey), p.script)), ""
}

// Verify implements Verifier.
func (s *SiteVerify) Verify(ctx context.Context, _ []byte, _, response, remoteIP string) (bool, error) {
	if response == "" {
		return false, nil
	}
	u := s.VerifyURL
	if u == "" {
		u = siteProviders[s.Provider].verify
	}
	form := url.Values{"secret": {s.Secret}, "response": {response}}
	if remoteIP != "" {
		form.Set("remoteip", remoteIP)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	c := s.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return false, fmt.Errorf("%s site-verify: %w", s.Provider, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("%s site-verify: %s", s.Provider, resp.Status)
	}
	var out struct {
		Success bool `json:"success"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out); err != nil {
		return false, fmt.Errorf("%s site-verify: %w", s.Provider, err)
	}
	return out.Success, nil
}

// ScriptOrigins implements Verifier.
func (s *SiteVerify) ScriptOrigins() []string { return siteProviders[s.Provider].origins }
