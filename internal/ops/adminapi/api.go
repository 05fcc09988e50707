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
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/poolguard/poolguard/internal/rules/ipsets"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// Options are the API's dependencies.
type Options struct {
	// Token is the bearer token; empty (and no Tokens) turns the API off
	// (every route 404).
	Token string
	// TokenName names Token's holder in the audit log; default "admin".
	TokenName string
	// Tokens are more bearer tokens, by their holder's name.
	Tokens map[string]string
	// Audit receives one record per change request (IP set changes,
	// reloads), accepted or refused: who (the token's name), what, when and
	// the result. Nil discards them.
	Audit *slog.Logger
	// Registerer, when set, gets poolguard_admin_changes_total{action,
	// result}, counting the same requests.
	Registerer prometheus.Registerer
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
	if o.Token == "" && len(o.Tokens) == 0 {
		return http.NotFoundHandler()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Audit == nil {
		o.Audit = slog.New(slog.DiscardHandler)
	}
	a := &api{o: o, changes: newChangeCounter(o.Registerer)}
	if o.Token != "" {
		a.tokens = append(a.tokens, namedToken{cmpOr(o.TokenName, "admin"), sha256.Sum256([]byte(o.Token))})
	}
	for name, t := range o.Tokens {
		a.tokens = append(a.tokens, namedToken{name, sha256.Sum256([]byte(t))})
	}
	mux := http.NewServeMux()
	mux.Handle("GET /v1/ipsets", a.handle(a.listSets))
	mux.Handle("POST /v1/ipsets/{name}", a.audited("ipset.add", a.handle(a.changeSet)))
	mux.Handle("DELETE /v1/ipsets/{name}", a.audited("ipset.remove", a.handle(a.changeSet)))
	mux.Handle("POST /v1/reload", a.audited("reload", a.handle(a.reload)))
	mux.Handle("GET /v1/ratelimits", a.handle(a.rateLimits))
	mux.Handle("/", a.handle(func(*http.Request) (any, error) {
		return nil, &Error{Status: http.StatusNotFound, Code: "NotFound", Message: "no such route"}
	}))
	return mux
}

type api struct {
	o       Options
	tokens  []namedToken
	changes *prometheus.CounterVec // nil without a Registerer
}

type namedToken struct {
	name string
	hash [32]byte
}

// handle authenticates, runs h and renders its result or error.
func (a *api) handle(h func(*http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who := a.authorized(r)
		if who == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="poolguard-admin"`)
			render(w, nil, &Error{Status: http.StatusUnauthorized, Code: "Unauthorized", Message: "missing or wrong bearer token"})
			return
		}
		if rec, ok := r.Context().Value(auditKey{}).(*auditRecord); ok {
			rec.who = who
		}
		v, err := h(r)
		render(w, v, err)
	})
}

// authorized returns the name of the token r carries, or "" for none. It
// compares hashes in constant time against every token, so neither a
// token's content nor its length, nor which one matched, leaks through
// timing.
func (a *api) authorized(r *http.Request) string {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	sum := sha256.Sum256([]byte(got))
	who := ""
	for _, t := range a.tokens {
		if subtle.ConstantTimeCompare(sum[:], t.hash[:]) == 1 {
			who = t.name
		}
	}
	return who
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// render writes v as JSON with 200, or err in the error shape.
func render(w http.ResponseWriter, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		e := asError(err)
		if sw, ok := w.(*statusWriter); ok {
			sw.code = e.Code
		}
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
