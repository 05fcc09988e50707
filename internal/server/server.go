package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/poolguard/poolguard/internal/config"
)

// Server runs the public and admin listeners.
type Server struct {
	public *http.Server
	admin  *http.Server
	extra  []served // further listeners (the Hosted UI)
	ready  atomic.Bool
	check  atomic.Pointer[func() (bool, string)]
	log    *slog.Logger
	drain  time.Duration
}

// New returns a Server for cfg that serves handler publicly and admin
// endpoints (at least GET /healthz) on the admin listener.
func New(cfg *config.Config, handler http.Handler, log *slog.Logger) *Server {
	s := &Server{log: log, drain: cfg.Limits.ShutdownTimeout}
	s.public = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: cfg.Limits.ReadHeaderTimeout,
		ReadTimeout:       cfg.Limits.ReadTimeout,
		WriteTimeout:      cfg.Limits.WriteTimeout,
		IdleTimeout:       cfg.Limits.IdleTimeout,
		MaxHeaderBytes:    cfg.Limits.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	s.admin = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return s
}

// served is an extra server and its listener.
type served struct {
	srv *http.Server
	l   net.Listener
}

// AddListener serves h on l alongside the public listener, with the same
// timeouts and limits, and drains it on shutdown. Call it before Serve.
func (s *Server) AddListener(l net.Listener, h http.Handler) {
	srv := &http.Server{
		Handler: h, ReadHeaderTimeout: s.public.ReadHeaderTimeout, ReadTimeout: s.public.ReadTimeout,
		WriteTimeout: s.public.WriteTimeout, IdleTimeout: s.public.IdleTimeout,
		MaxHeaderBytes: s.public.MaxHeaderBytes, ErrorLog: s.public.ErrorLog,
	}
	s.extra = append(s.extra, served{srv, l})
}

// AdminMux returns the admin listener's mux so other endpoints can be added
// before Serve.
func (s *Server) AdminMux() *http.ServeMux { return s.admin.Handler.(*http.ServeMux) }

// SetReadiness adds a check to /healthz: while it reports false the
// endpoint answers 503, and its detail is shown either way (for example
// "rate store degraded: local counters").
func (s *Server) SetReadiness(check func() (ready bool, detail string)) { s.check.Store(&check) }

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "starting or draining\n", http.StatusServiceUnavailable)
		return
	}
	if c := s.check.Load(); c != nil {
		ready, detail := (*c)()
		if !ready {
			http.Error(w, "not ready: "+detail+"\n", http.StatusServiceUnavailable)
			return
		}
		if detail != "" {
			_, _ = w.Write([]byte("ok; " + detail + "\n"))
			return
		}
	}
	_, _ = w.Write([]byte("ok\n"))
}

// Serve serves on the given listeners until ctx is done, then stops taking
// new connections and drains requests in flight for at most the configured
// shutdown timeout.
func (s *Server) Serve(ctx context.Context, public, admin net.Listener) error {
	errc := make(chan error, 2+len(s.extra))
	go func() { errc <- serveOne(s.public, public) }()
	go func() { errc <- serveOne(s.admin, admin) }()
	for _, e := range s.extra {
		go func() { errc <- serveOne(e.srv, e.l) }()
	}
	s.ready.Store(true)
	s.log.Info("serving", "listen", public.Addr().String(), "admin_listen", admin.Addr().String())
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.ready.Store(false)
	s.log.Info("draining", "timeout", s.drain.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.drain)
	defer cancel()
	err = errors.Join(err, s.public.Shutdown(sctx), s.admin.Shutdown(sctx))
	for _, e := range s.extra {
		err = errors.Join(err, e.srv.Shutdown(sctx))
	}
	return err
}

func serveOne(srv *http.Server, l net.Listener) error {
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
