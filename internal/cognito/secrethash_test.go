package cognito

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"
)

func TestSecretHash(t *testing.T) {
	// Computed independently with:
	// python3 -c 'import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b"s3cr3t",b"alice1example23456789",hashlib.sha256).digest()).decode())'
	got := SecretHash([]byte("s3cr3t"), "alice", "1example23456789")
	const want = "IMpPuFOEIbgZyOCkK5ZvTY2hXdhUUff9Wz0ungvQbF8="
	if got != want {
		t.Fatalf("SecretHash = %s, want %s", got, want)
	}
}

func TestSecretHashConcurrentRotation(t *testing.T) {
	done := make(chan bool)
	for g := range 4 {
		go func() {
			defer func() { done <- true }()
			for i := range 200 {
				secret := []byte{byte('a' + (g+i)%3)}
				want := referenceHash(secret, "u", "c")
				if got := SecretHash(secret, "u", "c"); got != want {
					t.Errorf("secret %q: %s, want %s", secret, got, want)
					return
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
}

// referenceHash computes the hash without the cache.
func referenceHash(secret []byte, user, client string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(user + client))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// TestMACCacheBound: the cache keeps every secret in use up to
// maxCachedSecrets (rotation keeps two or three alive), and forgets them
// all rather than grow past the bound.
func TestMACCacheBound(t *testing.T) {
	c := &macCache{pools: map[string]*sync.Pool{}}
	first := c.pool([]byte("secret-0"))
	for i := 1; i < maxCachedSecrets; i++ {
		c.pool([]byte(fmt.Sprintf("secret-%d", i)))
		if len(c.pools) != i+1 {
			t.Fatalf("%d secrets used, %d cached", i+1, len(c.pools))
		}
	}
	if c.pool([]byte("secret-0")) != first {
		t.Fatal("a cached secret got a new pool")
	}
	c.pool([]byte("one more"))
	if len(c.pools) > maxCachedSecrets {
		t.Fatalf("%d secrets cached, bound %d", len(c.pools), maxCachedSecrets)
	}
}
