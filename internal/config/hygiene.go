package config

// BreachedPasswords configures the breached-password check (package
// breached): a filter built by `poolguard passwords build` from the Pwned
// Passwords corpus.
type BreachedPasswords struct {
	// Filter is the path of the filter file; relative to the config file's
	// directory. Empty turns the check off.
	Filter string `yaml:"filter"`
	// MinCount is the minimum breach count the filter was built with
	// (--min-count); when set, the filter must have been built with it.
	MinCount uint64 `yaml:"min_count"`
}

func (v *validator) breachedPasswords(b *BreachedPasswords) {
	if b.MinCount > 0 && b.Filter == "" {
		v.add("breached_passwords.filter", "is required with min_count")
	}
}
