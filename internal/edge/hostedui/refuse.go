package hostedui

import (
	"net/http"
	"strconv"

	"github.com/poolguard/poolguard/internal/rules/waf"
)

// blockPage is the body of a web ACL block: a minimal HTML page, as AWS
// WAF's default block response in front of a user pool domain is a bare 403
// page (there is no Cognito JSON error shape on these endpoints).
const blockPage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>403 Forbidden</title></head>
<body><h1>403 Forbidden</h1><p>Request blocked.</p></body></html>
`

// refuse answers a request the web ACL did not allow:
//   - Block with a custom response: that response (status, headers, body).
//   - Block: 403 with blockPage.
//   - CAPTCHA: 405, Challenge: 202 (AWS WAF's statuses for a request
//     without a token), with the x-amzn-waf-action header; the proxy cannot
//     serve AWS's interstitial, so the body is plain text.
//
// Every refusal carries x-amzn-RequestId and Cache-Control: no-store.
func refuse(w http.ResponseWriter, vd *waf.Verdict, requestID string) {
	h := w.Header()
	h.Set("X-Amzn-Requestid", requestID)
	h.Set("Cache-Control", "no-store")
	switch vd.Action {
	case waf.ActionCaptcha:
		h.Set("X-Amzn-Waf-Action", "captcha")
		plain(w, http.StatusMethodNotAllowed, "This request requires a CAPTCHA token.")
	case waf.ActionChallenge:
		h.Set("X-Amzn-Waf-Action", "challenge")
		plain(w, http.StatusAccepted, "This request requires a challenge token.")
	default:
		if resp := vd.CustomResponse; resp != nil {
			for _, f := range resp.Headers {
				h.Add(f.Name, f.Value)
			}
			if resp.ContentType != "" {
				h.Set("Content-Type", resp.ContentType)
			}
			h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
			w.WriteHeader(resp.StatusCode)
			_, _ = w.Write([]byte(resp.Body))
			return
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(blockPage)))
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(blockPage))
	}
}

// plain answers status with a one-line text/plain body.
func plain(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(msg)+1))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}
