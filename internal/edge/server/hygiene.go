package server

import (
	"fmt"
	"path/filepath"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/proxy"
	"github.com/poolguard/poolguard/internal/rules/breached"
)

// buildBreached maps the breached-password filter, if configured. Each
// build maps the file anew (mapping costs no read), so a reload picks up a
// rebuilt filter; a superseded mapping is released once no State uses it.
func buildBreached(cfg *config.Config, st *proxy.State) error {
	b := cfg.BreachedPasswords
	if b.Filter == "" {
		return nil
	}
	path := b.Filter
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(cfg.File), path)
	}
	f, err := breached.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.At("breached_passwords.filter"), err)
	}
	if b.MinCount != 0 && b.MinCount != f.MinCount() {
		return fmt.Errorf("%s: %d, but %s was built with --min-count %d: rebuild it with --min-count %d",
			cfg.At("breached_passwords.min_count"), b.MinCount, path, f.MinCount(), b.MinCount)
	}
	st.Breached = f
	return nil
}
