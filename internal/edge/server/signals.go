package server

import (
	"fmt"
	"net/http"
	"net/netip"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/challenge"
	"github.com/poolguard/poolguard/internal/edge/proxy"
	"github.com/poolguard/poolguard/internal/rules/signals"
	"github.com/poolguard/poolguard/internal/rules/webacl"
	"github.com/poolguard/poolguard/internal/secrets"
)

// buildSignals sets st.Signals (sig, opened by OpenSources or
// OfflineSources) and builds st.Challenge from cfg.signals, and gives the
// web ACL what it needs from them: the token checker, the key of personal
// rate-key hashes and the geo lookup for forwarded addresses.
func buildSignals(cfg *config.Config, sig *signals.Signals, st *proxy.State, in *webacl.Input) []error {
	s := &cfg.Signals
	var errs []error
	st.Signals = sig
	if g := sig.Geo(); g != nil {
		in.Country = g.Country
	}
	if s.KeyHashSecret != "" {
		v, err := secrets.Resolve(s.KeyHashSecret)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: signals.key_hash_secret: %w", cfg.File, err))
		} else {
			in.KeyHashKey = v.Bytes()
		}
	}
	c := &s.Challenge
	if c.TokenSecret == "" {
		return errs
	}
	key, err := secrets.Resolve(c.TokenSecret)
	if err != nil {
		return append(errs, fmt.Errorf("%s: signals.challenge.token_secret: %w", cfg.File, err))
	}
	var verifier challenge.Verifier
	if p := c.Captcha.Provider; p.External() {
		secret, err := secrets.Resolve(c.Captcha.Secret)
		if err != nil {
			return append(errs, fmt.Errorf("%s: signals.challenge.captcha.secret: %w", cfg.File, err))
		}
		if verifier, err = challenge.NewSiteVerify(string(p), c.Captcha.SiteKey, string(secret.Bytes())); err != nil {
			return append(errs, fmt.Errorf("%s: signals.challenge.captcha: %w", cfg.File, err))
		}
	}
	resolver := st.ClientIP
	svc, err := challenge.New(challenge.Config{Key: key.Bytes(), Difficulty: c.Difficulty, Verifier: verifier,
		ClientIP: func(r *http.Request) netip.Addr {
			peer, _ := netip.ParseAddrPort(r.RemoteAddr)
			return resolver.ClientIP(peer.Addr(), r.Header["X-Forwarded-For"])
		}})
	if err != nil {
		return append(errs, fmt.Errorf("%s: signals.challenge: %w", cfg.File, err))
	}
	st.Challenge, in.Tokens = svc, svc
	return errs
}

func hasScheme(p string) bool {
	return len(p) > 8 && (p[:7] == "http://" || p[:8] == "https://")
}
