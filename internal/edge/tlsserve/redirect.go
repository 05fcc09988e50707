package tlsserve

import (
	"net"
	"net/http"
	"regexp"
)

// hostRe is a host name or IPv4 address; a Host header that is neither is
// refused rather than echoed into Location.
var hostRe = regexp.MustCompile(`^[A-Za-z0-9.-]{1,253}$`)

// Redirect returns a handler that sends every request to the same host and
// URI over HTTPS on httpsPort ("443" is left out of the URL). GET and HEAD
// get 301 Moved Permanently; other methods get 308 Permanent Redirect,
// which keeps the method and body (a POST turned into a GET by 301 would
// reach the proxy as a MethodNotAllowed).
func Redirect(httpsPort string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if !hostRe.MatchString(host) {
			http.Error(w, "bad Host header\n", http.StatusBadRequest)
			return
		}
		if httpsPort != "" && httpsPort != "443" {
			host = net.JoinHostPort(host, httpsPort)
		}
		code := http.StatusPermanentRedirect
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			code = http.StatusMovedPermanently
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), code)
	})
}
