// Package usermemo remembers which user a refresh token belongs to, for the
// "remember" refresh strategy. It keys entries by a hash of the token, never
// the token, holds at most a fixed number of entries (evicting the least
// recently used) and forgets entries when they expire.
package usermemo

import (
	"container/list"
	"sync"
	"time"
)

// Memory is a bounded, expiring map from token hash to user name. It is safe
// for concurrent use.
type Memory struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recently used
	index map[[32]byte]*list.Element
}

type entry struct {
	key     [32]byte
	user    string
	expires time.Time
}

// New returns a Memory holding at most max entries (max ≥ 1).
func New(max int) *Memory {
	if max < 1 {
		max = 1
	}
	return &Memory{max: max, order: list.New(), index: make(map[[32]byte]*list.Element)}
}

// Remember records user for key until expires.
func (m *Memory) Remember(key [32]byte, user string, now, expires time.Time) {
	if !expires.After(now) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.index[key]; ok {
		e := el.Value.(*entry)
		e.user, e.expires = user, expires
		m.order.MoveToFront(el)
		return
	}
	m.index[key] = m.order.PushFront(&entry{key: key, user: user, expires: expires})
	for m.order.Len() > m.max {
		m.remove(m.order.Back())
	}
}

// Recall returns the user for key if it is known and unexpired at now.
func (m *Memory) Recall(key [32]byte, now time.Time) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.index[key]
	if !ok {
		return "", false
	}
	e := el.Value.(*entry)
	if !now.Before(e.expires) {
		m.remove(el)
		return "", false
	}
	m.order.MoveToFront(el)
	return e.user, true
}

// Len returns the number of entries held.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.order.Len()
}

func (m *Memory) remove(el *list.Element) {
	delete(m.index, el.Value.(*entry).key)
	m.order.Remove(el)
}
