package challenge

import "testing"

// TestOwnsAndRoutes: the service owns Prefix and the paths under it, and
// nothing else (not a sibling sharing the prefix); each endpoint answers
// its own method only.
func TestOwnsAndRoutes(t *testing.T) {
	h := newHarness(t, nil)
	for path, want := range map[string]bool{
		Prefix: true, Prefix + "/new": true, Prefix + "/verify": true,
		"/": false, "/.poolguard": false, Prefix + "x": false, "/login" + Prefix: false,
	} {
		if got := h.s.Owns(path); got != want {
			t.Errorf("Owns(%q) = %v, want %v", path, got, want)
		}
	}
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{"GET", Prefix, 200},
		{"HEAD", Prefix, 200},
		{"POST", Prefix, 404},
		{"GET", Prefix + "/new", 200},
		{"POST", Prefix + "/new", 404},
		{"GET", Prefix + "/verify", 404},
		{"PUT", Prefix + "/verify", 404},
		{"GET", Prefix + "/other", 404},
	} {
		if w := h.do(tt.method, tt.path, "192.0.2.10", nil); w.Code != tt.want {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, w.Code, tt.want)
		}
	}
}
