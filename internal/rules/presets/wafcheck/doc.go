// Package wafcheck holds only tests: that every preset, at its defaults and
// at its golden variants, loads and compiles in the internal/rules/waf engine. It
// is its own package so the presets package's tests do not depend on the
// engine.
package wafcheck
