package server

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/net/netutil"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/fastserve"
)

// Server runs the public and admin listeners.
type Server struct {
	public *http.Server
	// fast, when set, serves the public listener instead of public
	// (http_server: fasthttp; plain HTTP only).
	fast  *fastserve.Server
	admin *http.Server
	extra []served // further listeners (the Hosted UI)
	ready atomic.Bool
	check atomic.Pointer[func() (bool, string)]
	log   *slog.Logger
	drain time.Duration
	// maxConns and maxAdminConns cap each listener's open connections.
	maxConns, maxAdminConns int
	// tls, when set, is the public listener's TLS configuration.
	tls *tls.Config
}

// New returns a Server for cfg that serves handler publicly and admin
// endpoints (at least GET /healthz) on the admin listener.
func New(cfg *config.Config, handler http.Handler, log *slog.Logger) *Server {
	l := &cfg.Limits
	s := &Server{log: log, drain: l.ShutdownTimeout, maxConns: l.MaxConnections, maxAdminConns: l.AdminMaxConnections}
	s.public = limitedServer(handler, l, log)
	if cfg.HTTPServer == config.ServerFastHTTP {
		s.fast = fastserve.New(handler, fastserve.Options{
			ReadTimeout: l.ReadTimeout, WriteTimeout: l.WriteTimeout, IdleTimeout: l.IdleTimeout,
			MaxHeaderBytes: l.MaxHeaderBytes, Log: log,
		})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	s.admin = limitedServer(mux, l, log)
	return s
}

// limitedServer returns a server for h with the configured read, write
// and idle timeouts and header size: no peer holds a connection longer
// than they allow, whether it sends nothing, an unfinished body, or reads
// nothing.
func limitedServer(h http.Handler, l *config.Limits, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
}

// capped returns l accepting at most n open connections at a time; more
// wait in the kernel's backlog until one closes. A zero n (a Server built
// from an unvalidated config) leaves l uncapped.
func capped(l net.Listener, n int) net.Listener {
	if n <= 0 {
		return l
	}
	return netutil.LimitListener(l, n)
}

// UseTLS makes Serve speak TLS with c on the public listener, which it is
// given as plain TCP. Call it before Serve.
//
// The connection cap counts TCP connections below TLS: net/http serves
// HTTP/2 (and sets Request.TLS) only on connections that are *tls.Conn, so
// a cap wrapped around a TLS listener would hide them and answer the h2
// that TLS negotiated in HTTP/1.1.
//
// TLS is always served by net/http (HTTP/2 by ALPN): UseTLS drops a
// fasthttp server (the config's validation refuses http_server: fasthttp
// with tls, so this happens only to a Server built without validation).
func (s *Server) UseTLS(c *tls.Config) { s.tls, s.fast = c, nil }

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
	s.extra = append(s.extra, served{srv, capped(l, s.maxConns)})
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
	public, admin = capped(public, s.maxConns), capped(admin, s.maxAdminConns)
	if s.tls != nil {
		public = tls.NewListener(public, s.tls)
	}
	errc := make(chan error, 2+len(s.extra))
	if s.fast != nil {
		go func() { errc <- s.fast.Serve(public) }()
	} else {
		go func() { errc <- serveOne(s.public, public) }()
	}
	go func() { errc <- serveOne(s.admin, admin) }()
	for _, e := range s.extra {
		go func() { errc <- serveOne(e.srv, e.l) }()
	}
	s.ready.Store(true)
	server := config.ServerNetHTTP
	if s.fast != nil {
		server = config.ServerFastHTTP
	}
	s.log.Info("serving", "listen", public.Addr().String(), "admin_listen", admin.Addr().String(), "http_server", string(server))
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.ready.Store(false)
	s.log.Info("draining", "timeout", s.drain.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.drain)
	defer cancel()
	if s.fast != nil {
		err = errors.Join(err, s.fast.Shutdown(sctx))
	} else {
		err = errors.Join(err, s.public.Shutdown(sctx))
	}
	err = errors.Join(err, s.admin.Shutdown(sctx))
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
