package adminapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// auditKey is the context key of a change request's audit record.
type auditKey struct{}

// auditRecord collects what one change request did, for the audit log.
type auditRecord struct {
	who       string // the token's name; "" when unauthenticated
	set       string
	addresses []string
	ttl       string
	force     bool
}

// maxAuditAddresses bounds the addresses one audit record lists.
const maxAuditAddresses = 20

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	code   string
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// audited wraps a change route: after it answers, one audit record (who,
// what, when, result) is logged and counted, refused requests included.
func (a *api) audited(action string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &auditRecord{}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), auditKey{}, rec)))
		result := "ok"
		if sw.status != http.StatusOK {
			result = cmpOr(sw.code, http.StatusText(sw.status))
		}
		attrs := []any{"token", cmpOr(rec.who, "(none)"), "action", action, "result", result, "status", sw.status,
			"time", a.o.Now().UTC(), "remote", r.RemoteAddr}
		if rec.set != "" {
			attrs = append(attrs, "ip_set", rec.set, "count", len(rec.addresses), "addresses", listed(rec.addresses))
		}
		if rec.ttl != "" {
			attrs = append(attrs, "ttl", rec.ttl)
		}
		if action == "reload" {
			attrs = append(attrs, "force", rec.force)
		}
		level := slog.LevelInfo
		if result != "ok" {
			level = slog.LevelWarn
		}
		a.o.Audit.Log(r.Context(), level, "admin change", attrs...)
		if a.changes != nil {
			a.changes.WithLabelValues(action, result).Inc()
		}
	})
}

// listed is addrs joined, at most maxAuditAddresses of them.
func listed(addrs []string) string {
	if len(addrs) <= maxAuditAddresses {
		return strings.Join(addrs, ",")
	}
	return strings.Join(addrs[:maxAuditAddresses], ",") + ",..."
}

// record returns r's audit record (a throwaway one outside audited routes).
func record(r *http.Request) *auditRecord {
	if rec, ok := r.Context().Value(auditKey{}).(*auditRecord); ok {
		return rec
	}
	return &auditRecord{}
}

// newChangeCounter registers poolguard_admin_changes_total with reg (nil:
// no metric).
func newChangeCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	if reg == nil {
		return nil
	}
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "poolguard_admin_changes_total",
		Help: "Admin API change requests (IP set changes, reloads) by action and result (ok, or the error code).",
	}, []string{"action", "result"})
	if err := reg.Register(c); err != nil {
		if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
			return are.ExistingCollector.(*prometheus.CounterVec)
		}
		return nil
	}
	return c
}
