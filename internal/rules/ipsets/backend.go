package ipsets

import (
	"context"
	"time"
)

// Backend persists the runtime overlay of every set.
type Backend interface {
	// Load returns the persisted state and its version.
	Load(ctx context.Context) (State, int64, error)
	// Apply persists c, made at now; after is the whole state with c
	// applied (file backends write it; shared backends apply c alone, so
	// that concurrent changes from other replicas are kept). It returns the
	// new version.
	Apply(ctx context.Context, c Change, now time.Time, after State) (int64, error)
	// Version returns the current version, so that a replica can tell that
	// another one changed the state. A backend that no one else writes may
	// return a constant.
	Version(ctx context.Context) (int64, error)
}
