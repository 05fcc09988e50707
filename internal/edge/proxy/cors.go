package proxy

import (
	"net/http"

	"github.com/poolguard/poolguard/internal/cognito"
)

// CORS answers cross-origin requests as Cognito does.
type CORS struct {
	// AnyOrigin allows every origin ("*").
	AnyOrigin bool
	// Origins are the allowed origins when AnyOrigin is false.
	Origins map[string]bool
}

// Values of the CORS headers Cognito sends.
const (
	corsExpose  = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
	corsMaxAge  = "172800"
	corsMethods = "POST"
)

// apply sets the CORS headers for a request from origin on h, replacing any
// the upstream sent, and reports whether the origin is allowed.
func (c *CORS) apply(h http.Header, origin string) bool {
	for _, k := range [...]string{"Access-Control-Allow-Origin", "Access-Control-Expose-Headers",
		"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age", "Access-Control-Allow-Credentials"} {
		delete(h, k)
	}
	switch {
	case c.AnyOrigin:
		h["Access-Control-Allow-Origin"] = anyOrigin
	case origin != "" && c.Origins[origin]:
		h["Access-Control-Allow-Origin"] = []string{origin}
		h.Add("Vary", "Origin")
	default:
		return origin == ""
	}
	h["Access-Control-Expose-Headers"] = exposeHeaders
	return true
}

// Shared header values; net/http only reads header slices, so one copy
// serves every response.
var (
	anyOrigin     = []string{"*"}
	exposeHeaders = []string{corsExpose}
)

// preflight answers an OPTIONS request.
func (c *CORS) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if !c.apply(h, r.Header.Get("Origin")) {
		cognito.WriteError(w, newRequestID(), cognito.Forbidden("Origin "+r.Header.Get("Origin")+" is not allowed."))
		return
	}
	h.Set("Access-Control-Allow-Methods", corsMethods)
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	h.Set("Access-Control-Max-Age", corsMaxAge)
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}
