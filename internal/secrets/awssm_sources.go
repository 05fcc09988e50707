package secrets

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// AWSSources hands out the AWS stores for each Secrets Manager location
// (region and endpoint), creating each on first use, and refreshes all of
// them. It is meant to live as long as the process, across configuration
// reloads, so a reload that keeps a reference keeps its Value.
//
// An AWSSources is safe for concurrent use; the zero value is not usable,
// create one with NewAWSSources.
type AWSSources struct {
	log    *slog.Logger
	newAPI func(context.Context, AWSOptions) (GetSecretValueAPI, error)

	mu     sync.Mutex
	stores map[AWSOptions]*AWS

	interval atomic.Int64 // time.Duration
}

// NewAWSSources returns sources whose clients come from NewAWSClient.
func NewAWSSources(log *slog.Logger) *AWSSources {
	return NewAWSSourcesWith(log, func(ctx context.Context, o AWSOptions) (GetSecretValueAPI, error) {
		return NewAWSClient(ctx, o)
	})
}

// NewAWSSourcesWith returns sources whose clients come from newAPI (tests).
func NewAWSSourcesWith(log *slog.Logger, newAPI func(context.Context, AWSOptions) (GetSecretValueAPI, error)) *AWSSources {
	s := &AWSSources{log: log, newAPI: newAPI, stores: make(map[AWSOptions]*AWS)}
	s.interval.Store(int64(DefaultRefreshInterval))
	return s
}

// Value returns the Value of ref at location o, reading it now if it is
// new (see AWS.Value).
func (s *AWSSources) Value(ctx context.Context, o AWSOptions, ref string) (*Value, error) {
	s.mu.Lock()
	st, ok := s.stores[o]
	s.mu.Unlock()
	if !ok {
		api, err := s.newAPI(ctx, o)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		if st, ok = s.stores[o]; !ok {
			st = NewAWS(api, s.log)
			s.stores[o] = st
		}
		s.mu.Unlock()
	}
	return st.Value(ctx, ref)
}

// SetInterval sets the refresh interval Run uses from its next wait on;
// d ≤ 0 means DefaultRefreshInterval.
func (s *AWSSources) SetInterval(d time.Duration) {
	if d <= 0 {
		d = DefaultRefreshInterval
	}
	s.interval.Store(int64(d))
}

// Refresh refreshes every store (see AWS.Refresh).
func (s *AWSSources) Refresh(ctx context.Context) error {
	s.mu.Lock()
	stores := make([]*AWS, 0, len(s.stores))
	for _, st := range s.stores {
		stores = append(stores, st)
	}
	s.mu.Unlock()
	var errs []error
	for _, st := range stores {
		errs = append(errs, st.Refresh(ctx))
	}
	return errors.Join(errs...)
}

// Run refreshes every store at the current interval until ctx is done.
func (s *AWSSources) Run(ctx context.Context) {
	for {
		d := time.Duration(s.interval.Load())
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
			rctx, cancel := context.WithTimeout(ctx, d)
			_ = s.Refresh(rctx)
			cancel()
		}
	}
}

// RefreshFailures returns how many secret refreshes have failed across
// every store, for a metrics counter.
func (s *AWSSources) RefreshFailures() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n uint64
	for _, st := range s.stores {
		n += st.RefreshFailures()
	}
	return n
}
