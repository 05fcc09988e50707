// Package usermemo remembers which user a refresh token belongs to, for the
// "remember" refresh strategy. It keys entries by a hash of the token, never
// the token, holds at most a fixed number of entries (evicting the least
// recently used) and forgets entries when they expire.
package usermemo

import (
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Memory is a bounded, expiring map from token hash to user name. It is safe
// for concurrent use.
//
// The bound and the eviction order are github.com/hashicorp/golang-lru/v2's
// simplelru; Memory adds the lock (held across a Recall's look-up and its
// removal of an expired entry, so a concurrent Remember is never undone)
// and expiry against the time the caller passes, which the library's
// expirable cache (wall clock, a background goroutine) would not allow.
type Memory struct {
	mu    sync.Mutex
	cache *simplelru.LRU[[32]byte, entry]
}

type entry struct {
	user    string
	expires time.Time
}

// New returns a Memory holding at most maxEntries entries (at least 1).
func New(maxEntries int) *Memory {
	c, err := simplelru.NewLRU[[32]byte, entry](max(1, maxEntries), nil)
	if err != nil {
		panic(err) // NewLRU fails only for a size below 1, excluded above
	}
	return &Memory{cache: c}
}

// Remember records user for key until expires.
func (m *Memory) Remember(key [32]byte, user string, now, expires time.Time) {
	if !expires.After(now) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cache.Add(key, entry{user: user, expires: expires})
}

// Recall returns the user for key if it is known and unexpired at now.
func (m *Memory) Recall(key [32]byte, now time.Time) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.cache.Get(key)
	if !ok {
		return "", false
	}
	if !now.Before(e.expires) {
		m.cache.Remove(key)
		return "", false
	}
	return e.user, true
}

// Len returns the number of entries held.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cache.Len()
}
