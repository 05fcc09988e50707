package tlsserve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
	"golang.org/x/net/netutil"

	"github.com/poolguard/poolguard/internal/config"
)

// Frontend is the public listener's TLS: its tls.Config and certificate
// source, and the handler of the optional plain-HTTP redirect listener.
type Frontend struct {
	config   *tls.Config
	redirect http.Handler
	// Files is the certificate file source, nil with ACME.
	Files *CertFile
	// ACME is the ACME manager, nil with certificate files.
	ACME *autocert.Manager
	// notAfter is the NotAfter (Unix seconds) of the certificate served
	// last; 0 before the first handshake.
	notAfter atomic.Int64
}

// New returns the Frontend configured by c for a public listener on
// publicAddr (host:port, whose port redirects point to). It reads the
// certificate files, or prepares ACME without contacting the CA: the
// first certificate is obtained on the first handshake for a listed
// domain.
func New(c *config.TLS, publicAddr string, log *slog.Logger) (*Frontend, error) {
	f := &Frontend{config: baseConfig(c.MinVersion)}
	_, port, _ := net.SplitHostPort(publicAddr)
	f.redirect = Redirect(port)
	if c.ACME != nil {
		m, err := acmeManager(c.ACME)
		if err != nil {
			return nil, err
		}
		f.ACME = m
		f.config.GetCertificate = f.remember(m.GetCertificate)
		f.config.NextProtos = append(f.config.NextProtos, acme.ALPNProto)
		f.redirect = hostWithoutPort(m.HTTPHandler(f.redirect))
		return f, nil
	}
	files, err := LoadCertFile(c.CertFile, c.KeyFile, c.ReloadInterval, log)
	if err != nil {
		return nil, err
	}
	f.Files = files
	f.config.GetCertificate = f.remember(files.GetCertificate)
	if leaf := files.Certificate().Leaf; leaf != nil {
		f.notAfter.Store(leaf.NotAfter.Unix())
	}
	return f, nil
}

// remember wraps get so that the Frontend knows the expiry of the
// certificate it served last.
func (f *Frontend) remember(get func(*tls.ClientHelloInfo) (*tls.Certificate, error)) func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		c, err := get(hello)
		if err == nil && c != nil && c.Leaf != nil {
			f.notAfter.Store(c.Leaf.NotAfter.Unix())
		}
		return c, err
	}
}

// CertificateExpiry returns the NotAfter of the certificate served last
// (with files, the loaded one from the start), and false before there is
// one (ACME before its first handshake).
func (f *Frontend) CertificateExpiry() (time.Time, bool) {
	n := f.notAfter.Load()
	return time.Unix(n, 0), n != 0
}

// hostWithoutPort drops the port from the Host header before h, as
// autocert's host policy compares bare names: a validation request reaches
// a redirect listener on a port other than 80 with the port in Host.
func hostWithoutPort(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if host, _, err := net.SplitHostPort(r.Host); err == nil {
			r.Host = host
		}
		h.ServeHTTP(w, r)
	})
}

// TLSConfig returns the server configuration; callers must not modify it.
func (f *Frontend) TLSConfig() *tls.Config { return f.config }

// Listener returns l serving TLS. net/http's Server speaks HTTP/2 on its
// connections when the client negotiates h2.
func (f *Frontend) Listener(l net.Listener) net.Listener { return tls.NewListener(l, f.config) }

// RedirectHandler returns the plain-HTTP handler: ACME HTTP-01 challenges
// when ACME is on, a redirect to HTTPS for everything else.
func (f *Frontend) RedirectHandler() http.Handler { return f.redirect }

// redirectMaxConns caps the redirect listener's open connections; more
// wait in the kernel's backlog. Its answers are one short redirect each.
const redirectMaxConns = 1024

// ServeRedirect serves RedirectHandler on l until ctx is done, then shuts
// the server down. At most redirectMaxConns connections are open at a time.
func (f *Frontend) ServeRedirect(ctx context.Context, l net.Listener) error {
	l = netutil.LimitListener(l, redirectMaxConns)
	srv := &http.Server{
		Handler:           f.redirect,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    8 << 10,
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Start returns nil when c is nil (plain HTTP). Otherwise it builds the
// Frontend for the public listener's address and starts the redirect
// listener if c.RedirectListen is set (serving until ctx is done). The
// caller serves the public listener with the Frontend's TLSConfig (see
// server.Server.UseTLS), so that connection caps count TCP connections
// below TLS.
func Start(ctx context.Context, c *config.TLS, publicAddr string, log *slog.Logger) (*Frontend, error) {
	if c == nil {
		return nil, nil
	}
	f, err := New(c, publicAddr, log)
	if err != nil {
		return nil, err
	}
	if c.RedirectListen != "" {
		l, err := net.Listen("tcp", c.RedirectListen)
		if err != nil {
			return nil, fmt.Errorf("tls.redirect_listen: %w", err)
		}
		go func() {
			if err := f.ServeRedirect(ctx, l); err != nil {
				log.Error("redirect listener stopped", "err", err)
			}
		}()
		log.Info("serving redirects to https", "redirect_listen", l.Addr().String())
	}
	return f, nil
}
