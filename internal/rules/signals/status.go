package signals

// Statuses returns the status of every IP list in use, by list name. It is
// safe for concurrent use.
func (m *Manager) Statuses() map[string]ListStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]ListStatus, len(m.lists))
	for _, l := range m.lists {
		out[l.Name()] = l.Status()
	}
	return out
}
