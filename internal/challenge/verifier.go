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
	"math/big"
	"net/http"
	"net/url"
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
// the nonce and the code under the service key.
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
			n, _ := rand.Int(rand.Reader, big.NewInt(10))
			code += n.String()
		}
	}
	img := base64.StdEncoding.EncodeToString([]byte(drawCode(code)))
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

// drawCode renders code as an SVG of jittered blocks (no text a script
// could read off the document), each digit slanted and offset, over noise
// blocks and lines. It stops scripts that read the page, not OCR: deploy a
// hosted CAPTCHA (SiteVerify) where a determined adversary is expected.
func drawCode(code string) string {
	rnd := func(n int64) int {
		v, _ := rand.Int(rand.Reader, big.NewInt(n))
		return int(v.Int64())
	}
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="200" height="64" viewBox="0 0 200 64"><rect width="200" height="64" fill="#f4f1ea"/>`)
	for range 40 {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="3" height="3" fill="#b5b0a3"/>`, rnd(200), rnd(64))
	}
	for i, c := range code {
		if c < '0' || c > '9' {
			continue
		}
		x0, y0, slant := 14+i*36+rnd(8), 8+rnd(16), rnd(3)-1
		for row, line := range digitFont[c-'0'] {
			for col, px := range line {
				if px == '#' {
					fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#2b2a26"/>`,
						x0+col*5+slant*(6-row)+rnd(2), y0+row*6+rnd(2), 4+rnd(2), 5+rnd(2))
				}
			}
		}
	}
	for range 5 {
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#6f6a5e" stroke-width="1"/>`, rnd(200), rnd(64), rnd(200), rnd(64))
	}
	b.WriteString(`</svg>`)
	return b.String()
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
