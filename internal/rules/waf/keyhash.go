package waf

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
)

// keyHashLen is how many bytes of the HMAC a hashed key keeps: 128 bits,
// hex-encoded in the key.
const keyHashLen = 16

// keyHasher replaces personal rate-key values (user names, phone numbers)
// with a keyed hash, so that neither the rate store, its over-limit
// listing nor the log ever holds them. It is safe for concurrent use.
type keyHasher struct {
	pool sync.Pool
}

func newKeyHasher(key []byte) *keyHasher {
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	key = append([]byte(nil), key...)
	return &keyHasher{pool: sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

// appendHash appends the hex HMAC of value to buf.
func (k *keyHasher) appendHash(buf, value []byte) []byte {
	h := k.pool.Get().(hash.Hash)
	h.Reset()
	h.Write(value)
	var sum [sha256.Size]byte
	s := h.Sum(sum[:0])
	k.pool.Put(h)
	return hex.AppendEncode(buf, s[:keyHashLen])
}

// hasher returns the compiler's key hasher, creating it on first use.
func (c *compiler) hasher() *keyHasher {
	if c.keys == nil {
		c.keys = newKeyHasher(c.opts.KeyHashKey)
	}
	return c.keys
}
