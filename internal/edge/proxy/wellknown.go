package proxy

import (
	"net/http"
	"strings"
)

// The only requests other than POST / the proxy forwards: the two
// read-only documents Cognito serves on its API host for each user pool.
const (
	jwksSuffix = "/.well-known/jwks.json"
	oidcSuffix = "/.well-known/openid-configuration"
)

// wellKnownPath returns the upstream path for a GET of a user pool's JWKS
// or OpenID configuration ("/us-east-1_AbC123/.well-known/jwks.json"), or
// "" for any other path. The path is rebuilt from the checked pool id and
// a fixed suffix, never copied from the client.
func wellKnownPath(path string) string {
	rest, ok := strings.CutPrefix(path, "/")
	if !ok {
		return ""
	}
	pool, suffix, ok := strings.Cut(rest, "/")
	if !ok || !userPoolID(pool) {
		return ""
	}
	switch "/" + suffix {
	case jwksSuffix:
		return "/" + pool + jwksSuffix
	case oidcSuffix:
		return "/" + pool + oidcSuffix
	}
	return ""
}

// userPoolID reports whether s has the form of a user pool id,
// REGION_ID with REGION of letters, digits and dashes and ID of letters
// and digits (Cognito's pattern [\w-]+_[0-9a-zA-Z]+, at most 55 bytes).
func userPoolID(s string) bool {
	region, id, ok := strings.Cut(s, "_")
	if !ok || region == "" || id == "" || len(s) > 55 {
		return false
	}
	for _, c := range []byte(region) {
		if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	for _, c := range []byte(id) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// wellKnownMaxAge is the Cache-Control the proxy adds to a well-known
// document Cognito sent without one.
const wellKnownMaxAge = "public, max-age=300"

// forwardWellKnown sends a GET for a pool's JWKS or OpenID configuration
// upstream (the web ACL has judged it, in the Default category) and
// returns the answer that relays Cognito's; nothing of the client's
// request but the path goes upstream.
func (h *Handler) forwardWellKnown(r *http.Request, x *exchange, st *State, up *Upstream, buf *buffer) answer {
	ctx := r.Context()
	b := append(buf.wire[:0], "GET "...)
	b = append(b, strings.TrimSuffix(up.url.Path, "/")...)
	b = append(b, wellKnownPath(r.URL.Path)...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, up.host...)
	b = append(b, "\r\nAccept: application/json\r\n"...)
	for _, f := range x.out.InsertedHeaders {
		b = appendHeader(b, f.Name, f.Value)
	}
	for _, f := range st.UpstreamHeaders {
		b = appendHeader(b, f.Name, f.Value)
	}
	buf.wire = append(b, "\r\n"...)
	x.out.Forwarded = true
	sent := h.now()
	resp, err := up.pool.RoundTrip(buf.wire, sent.Add(up.timeout), buf.header())
	x.out.UpstreamLatency = h.now().Sub(sent)
	if err != nil {
		return h.upstreamError(x, err, ctx, up.timeout)
	}
	x.out.UpstreamStatus, x.out.Status = resp.StatusCode, resp.StatusCode
	if resp.StatusCode == http.StatusOK && resp.Header.Get("Cache-Control") == "" {
		resp.Header.Set("Cache-Control", wellKnownMaxAge)
	}
	return relayed(resp, relayAsIs, nil)
}
