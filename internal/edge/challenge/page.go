package challenge

import (
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"

	"github.com/poolguard/poolguard/internal/rules/waf"
)

//go:embed page.html
var pageHTML string

//go:embed page.js
var pageJS string

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// pageData fills page.html.
type pageData struct {
	Nonce   string
	Captcha bool
	Widget  template.HTML
	Config  template.JS // JSON for the script (json.Marshal escapes <, > and &)
	Script  template.JS
}

// page writes the interstitial page for kind with status.
func (s *Service) page(w http.ResponseWriter, r *http.Request, kind waf.Action, status int, ret string) {
	pk := byte('h')
	if kind == waf.ActionCaptcha {
		pk = 'c'
	}
	p := s.newPuzzle(r, pk)
	var widget template.HTML
	var state string
	if kind == waf.ActionCaptcha {
		widget, state = s.cfg.Verifier.Widget(p.nonce[:])
	}
	cfg, _ := json.Marshal(map[string]any{
		"kind": ActionHeader(kind), "puzzle": p.text(s.cfg.Key), "bits": p.bits, "state": state,
		"verify": Prefix + "/verify", "return": ret,
	})
	var nb [16]byte
	_, _ = rand.Read(nb[:])
	nonce := base64.RawStdEncoding.EncodeToString(nb[:])
	origins := strings.Join(s.cfg.Verifier.ScriptOrigins(), " ")
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Amzn-Waf-Action", ActionHeader(kind))
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"' "+origins+"; style-src 'nonce-"+nonce+"' "+origins+
		"; img-src data: "+origins+"; frame-src "+orNone(origins)+"; connect-src 'self' "+origins+"; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, pageData{Nonce: nonce, Captcha: kind == waf.ActionCaptcha, Widget: widget, Config: template.JS(cfg), Script: template.JS(pageJS)})
}

func orNone(s string) string {
	if s == "" {
		return "'none'"
	}
	return s
}
