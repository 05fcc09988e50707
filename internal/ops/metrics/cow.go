package metrics

import (
	"sync"
	"sync/atomic"
)

// cowMap is a copy-on-write map for label children: lookups are lock-free
// and allocation-free; the rare insert copies the map under a mutex. Once it
// holds limit entries, new keys get the overflow value instead, so label
// cardinality stays bounded whatever the traffic.
type cowMap[K comparable, V any] struct {
	mu       sync.Mutex
	m        atomic.Pointer[map[K]V]
	limit    int
	overflow func() V
}

func (c *cowMap[K, V]) get(k K, make func(K) V) V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil {
		if v, ok := (*old)[k]; ok {
			return v
		}
		if len(*old) >= c.limit {
			return c.overflow()
		}
	}
	next := make(k)
	m := map[K]V{k: next}
	if old != nil {
		for ok, ov := range *old {
			m[ok] = ov
		}
	}
	c.m.Store(&m)
	return next
}
