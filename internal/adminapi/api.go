// Package adminapi serves the admin listener's API: runtime IP set changes,
// config reload and the current rate-limited keys, behind a bearer token;
// and CLI, the client behind `poolguard ipset`.
//
// Every route answers JSON. Errors have one shape:
//
//	{"error": {"code": "InvalidAddress", "message": "...", "invalid": [{"index": 1, "address": "x", "reason": "..."}]}}
package adminapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/ipsets"
	"github.com/poolguard/poolguard/internal/ratelimit"
)

// Options are the API's dependencies.
type Options struct {
	// Token is the bearer token; empty turns the API off (every route 404).
	Token string
	// IPSets is the registry the ipsets routes change.
	IPSets *ipsets.Registry
	// Reload rebuilds the configuration; its error is shown to the caller.
	// force (POST /v1/reload?force=true) skips the check that the new
	// config keeps most clients and web ACL rules.
	Reload func(ctx context.Context, force bool) error
	// RateLimited returns, by rule name, the keys over their limit at now.
	RateLimited func(now time.Time) map[string][]ratelimit.OverKey
	// Now is the clock (time.Now if nil).
	Now func() time.Time
}

// New returns the API handler, to be mounted at "/v1/" on the admin
// listener. It is safe for concurrent use.
func New(o Options) http.Handler {
	if o.Token == "" {
		return http.NotFoundHandler()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	a := &api{o: o, token: sha256.Sum256([]byte(o.Token))}
	mux := http.NewServeMux()
	mux.Handle("GET /v1/ipsets", a.handle(a.listSets))
	mux.Handle("POST /v1/ipsets/{name}", a.handle(a.changeSet))
	mux.Handle("DELETE /v1/ipsets/{name}", a.handle(a.changeSet))
	mux.Handle("POST /v1/reload", a.handle(a.reload))
	mux.Handle("GET /v1/ratelimits", a.handle(a.rateLimits))
	mux.Handle("/", a.handle(func(*http.Request) (any, error) {
		return nil, &Error{Status: http.StatusNotFound, Code: "NotFound", Message: "no such route"}
	}))
	return mux
}

type api struct {
	o     Options
	token [32]byte
}

// handle authenticates, runs h and renders its result or error.
func (a *api) handle(h func(*http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="poolguard-admin"`)
			render(w, nil, &Error{Status: http.StatusUnauthorized, Code: "Unauthorized", Message: "missing or wrong bearer token"})
			return
		}
		v, err := h(r)
		render(w, v, err)
	})
}

// authorized compares hashes in constant time, so neither the token's
// content nor its length leaks through timing.
func (a *api) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	sum := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(sum[:], a.token[:]) == 1
}

// render writes v as JSON with 200, or err in the error shape.
func render(w http.ResponseWriter, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		e := asError(err)
		w.WriteHeader(e.Status)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(map[string]*Error{"error": e})
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
