// Package challenge answers the web ACL's CAPTCHA and Challenge actions
// as AWS WAF does, self-hosted: tokens (the aws-waf-token cookie or
// header), an interstitial page that solves a proof-of-work puzzle (plus a
// human step for CAPTCHA) and retries, and the endpoints under Prefix that
// the page talks to.
//
// Tokens are HMAC-SHA256 signed with a key from the configuration, bound to
// the client's address range (/24 for IPv4, /64 for IPv6) and User-Agent,
// and carry the times the challenge and the CAPTCHA were last solved; the
// web ACL compares those with each rule's ImmunityTimeProperty.
package challenge

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"strings"
	"time"
)

// Token names, as AWS WAF's application integration uses them.
const (
	CookieName = "aws-waf-token"
	HeaderName = "X-Aws-Waf-Token"
)

// tokenVersion prefixes every token, so the format can change.
const tokenVersion = "pg1"

// bindLen is the length of the client binding in tokens and challenges.
const bindLen = 16

// claims is what a token says.
type claims struct {
	challengeAt int64 // Unix seconds; 0 if never
	captchaAt   int64 // Unix seconds; 0 if never
	bind        [bindLen]byte
	nonce       [8]byte
}

const claimsLen = 8 + 8 + bindLen + 8

// binding returns the client binding of an address and User-Agent: a hash
// of the address's /24 (IPv4) or /64 (IPv6) network and the User-Agent.
func binding(key []byte, addr netip.Addr, ua string) [bindLen]byte {
	addr = addr.Unmap()
	bits := 64
	if addr.Is4() {
		bits = 24
	}
	var pfx netip.Prefix
	if addr.IsValid() {
		pfx, _ = addr.Prefix(bits)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("bind\x00"))
	m.Write([]byte(pfx.String()))
	m.Write([]byte{0})
	m.Write([]byte(ua))
	var out [bindLen]byte
	copy(out[:], m.Sum(nil))
	return out
}

// sign returns the token text of c.
func sign(key []byte, c *claims) string {
	buf := make([]byte, 0, claimsLen)
	buf = binary.BigEndian.AppendUint64(buf, uint64(c.challengeAt))
	buf = binary.BigEndian.AppendUint64(buf, uint64(c.captchaAt))
	buf = append(buf, c.bind[:]...)
	buf = append(buf, c.nonce[:]...)
	body := base64.RawURLEncoding.EncodeToString(buf)
	return tokenVersion + "." + body + "." + mac(key, "token", body)
}

// parse checks a token's signature and returns its claims.
func parse(key []byte, tok string) (*claims, bool) {
	v, rest, ok := strings.Cut(tok, ".")
	if !ok || v != tokenVersion {
		return nil, false
	}
	body, sig, ok := strings.Cut(rest, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(mac(key, "token", body))) {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) != claimsLen {
		return nil, false
	}
	c := &claims{
		challengeAt: int64(binary.BigEndian.Uint64(raw[0:8])),
		captchaAt:   int64(binary.BigEndian.Uint64(raw[8:16])),
	}
	copy(c.bind[:], raw[16:16+bindLen])
	copy(c.nonce[:], raw[16+bindLen:])
	return c, true
}

// mac returns the base64url HMAC-SHA256 of domain and msg under key.
func mac(key []byte, domain, msg string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(domain))
	m.Write([]byte{0})
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func unixOrZero(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}
