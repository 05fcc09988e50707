package cognito

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"io"
	"sync"
)

// SecretHash returns Cognito's SECRET_HASH: base64(HMAC-SHA256(key=secret,
// msg=username+clientID)).
func SecretHash(secret []byte, username, clientID string) string {
	var buf [44]byte // base64 of a SHA-256 sum
	return string(AppendSecretHash(buf[:0], secret, username, clientID))
}

// AppendSecretHash appends the secret hash to b.
func AppendSecretHash(b, secret []byte, username, clientID string) []byte {
	m := macs.get(secret)
	_, _ = io.WriteString(m, username)
	_, _ = io.WriteString(m, clientID)
	var sum [sha256.Size]byte
	b = base64.StdEncoding.AppendEncode(b, m.Sum(sum[:0]))
	macs.put(secret, m)
	return b
}

// macCache keeps keyed HMAC states per secret, so that a request does not
// rebuild the key schedule (five allocations) each time. Secrets change
// only on rotation; the cache forgets everything when it holds too many.
type macCache struct {
	mu    sync.RWMutex
	pools map[string]*sync.Pool
}

const maxCachedSecrets = 64

var macs = &macCache{pools: map[string]*sync.Pool{}}

func (c *macCache) pool(secret []byte) *sync.Pool {
	c.mu.RLock()
	p := c.pools[string(secret)]
	c.mu.RUnlock()
	if p != nil {
		return p
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p = c.pools[string(secret)]; p == nil {
		if len(c.pools) >= maxCachedSecrets {
			clear(c.pools)
		}
		key := string(secret)
		p = &sync.Pool{New: func() any { return hmac.New(sha256.New, []byte(key)) }}
		c.pools[key] = p
	}
	return p
}

func (c *macCache) get(secret []byte) hash.Hash {
	m := c.pool(secret).Get().(hash.Hash)
	m.Reset()
	return m
}

func (c *macCache) put(secret []byte, m hash.Hash) { c.pool(secret).Put(m) }
