// Package secrets resolves secret references from the config file
// (env:NAME, file:PATH or a literal) into values the proxy reads on every
// request. Errors name the reference's source, never its value.
package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
)

// Value holds a secret that may be replaced while it is read (rotation).
// The zero value holds no secret. It is safe for concurrent use.
type Value struct {
	p atomic.Pointer[[]byte]
}

// Bytes returns the current secret, or nil. Callers must not modify it.
func (v *Value) Bytes() []byte {
	if b := v.p.Load(); b != nil {
		return *b
	}
	return nil
}

// Set replaces the secret.
func (v *Value) Set(b []byte) { v.p.Store(&b) }

// String hides the value, so a Value printed by mistake shows nothing.
func (v *Value) String() string { return "[secret]" }

// ErrEmpty is returned for a reference that resolves to an empty secret.
var ErrEmpty = errors.New("secret is empty")

// Resolve reads the secret named by ref. An empty ref yields (nil, nil):
// the client has no secret.
func Resolve(ref string) (*Value, error) {
	if ref == "" {
		return nil, nil
	}
	b, err := read(ref)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%s: %w", describe(ref), ErrEmpty)
	}
	v := new(Value)
	v.Set(b)
	return v, nil
}

func read(ref string) ([]byte, error) {
	switch {
	case IsAWS(ref):
		// Never fall through to a literal: the reference is not the secret.
		return nil, fmt.Errorf("%s: read it through an AWS secret source", describeAWS(ref))
	case strings.HasPrefix(ref, "env:"):
		name := ref[len("env:"):]
		s, ok := os.LookupEnv(name)
		if !ok {
			return nil, fmt.Errorf("environment variable %s is not set", name)
		}
		return []byte(strings.TrimSpace(s)), nil
	case strings.HasPrefix(ref, "file:"):
		path := ref[len("file:"):]
		b, err := os.ReadFile(path)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("secret file %s: %v", path, pe.Err)
			}
			return nil, fmt.Errorf("secret file %s: cannot read", path)
		}
		return bytes.TrimSpace(b), nil
	}
	return []byte(ref), nil
}

// describe names where a reference points, without its value.
func describe(ref string) string {
	switch {
	case strings.HasPrefix(ref, "env:"):
		return "environment variable " + ref[len("env:"):]
	case strings.HasPrefix(ref, "file:"):
		return "secret file " + ref[len("file:"):]
	}
	return "literal secret"
}
